//! XREAD and XREADGROUP: reading new entries and a consumer's history, at once or
//! blocked until an XADD serves them (see the family docs in `mod.rs`).

use super::*;

// ---------------------------------------------------------------------------------------
// XREAD, XREADGROUP
// ---------------------------------------------------------------------------------------

/// Entries as a read delivers them: id and fields, or no fields for an entry of the
/// consumer's history that was deleted since.
pub type Entries = Vec<(StreamId, Option<Vec<Bytes>>)>;

/// What a read served: per stream with something to deliver, its key and entries.
pub type Served = Vec<(Bytes, Entries)>;

/// A consumer group read's names.
#[derive(Clone)]
struct GroupRead {
    group: Bytes,
    consumer: Bytes,
    noack: bool,
}

/// What one stream of a read serves from (`>`: the group's last id, resolved at serving).
#[derive(Clone, Copy)]
enum ReadFrom {
    After(StreamId),
    New,
}

/// Delivers the entries after `after` of `stream` to `read`'s consumer
/// (`streamReplyWithRange` with a group): the group's last id and read counter advance,
/// pending entries are created (unless NOACK) and logged as XCLAIMs.
fn deliver_new(
    ctx: &Ctx<'_>,
    key: &[u8],
    stream: &mut StreamValue,
    read: &GroupRead,
    after: StreamId,
    count: usize,
) -> Entries {
    let now = now_ms(ctx);
    let log = aof_on(ctx);
    let Some(start) = after.incr() else {
        return vec![];
    };
    let entries = range_entries(stream, start, count);
    let meta = stream.meta;
    let group = stream
        .groups
        .get_mut(&read.group)
        .expect("resolved by the caller");
    let consumer = group
        .consumer_name(&read.consumer)
        .expect("created by the caller");
    let mut moved_last_id = false;
    for (id, _) in &entries {
        if *id > group.last_id {
            meta.advance_group(group, *id);
            moved_last_id = true;
        }
        if !read.noack {
            let pending = group.assign(*id, &consumer);
            pending.delivery_time = now;
            pending.delivery_count = 1;
            if log {
                log_claim(ctx, key, &read.group, group, *id);
            }
        }
    }
    // Redis logs this only for NOACK reads (the XCLAIMs carry the last id otherwise), so
    // a replay leaves the read counter behind; logging it always keeps `entries-read` and
    // `lag` exact across restarts.
    if log && moved_last_id {
        log_group_id(ctx, key, &read.group, group);
    }
    entries
}

/// The consumer's own pending entries after `after` (`streamReplyWithRangeFromConsumerPEL`):
/// each delivered again (its count and time updated), a deleted one as `[id, null]`.
fn deliver_history(
    ctx: &Ctx<'_>,
    stream: &mut StreamValue,
    read: &GroupRead,
    after: StreamId,
    count: usize,
) -> Entries {
    let now = now_ms(ctx);
    let Some(start) = after.incr() else {
        return vec![];
    };
    let ids: Vec<StreamId> = {
        let group = &stream.groups[&read.group];
        let consumer = &group.consumers[&read.consumer];
        consumer
            .pel
            .range(start..)
            .take(if count == 0 { usize::MAX } else { count })
            .copied()
            .collect()
    };
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        match stream.get(id) {
            Some(fields) => {
                out.push((id, Some(fields)));
                let group = stream.groups.get_mut(&read.group).expect("resolved");
                if let Some(pending) = group.pel.get_mut(&id) {
                    pending.delivery_time = now;
                    pending.delivery_count += 1;
                }
            }
            None => out.push((id, None)),
        }
    }
    out
}

/// Looks the group's consumer up (refreshing it) or creates it, recording
/// `xgroup-createconsumer` (and logging its creation when NOACK leaves no XCLAIM to).
fn touch_consumer(ctx: &Ctx<'_>, key: &[u8], stream: &mut StreamValue, read: &GroupRead) {
    let group = stream.groups.get_mut(&read.group).expect("resolved");
    if group.touch_consumer(&read.consumer, now_ms(ctx)) {
        ctx.txn().note(ctx.db(), key, Event::XGroupCreateConsumer);
        if read.noack && aof_on(ctx) {
            propagate::push(
                ctx.db(),
                vec![
                    word("XGROUP"),
                    word("CREATECONSUMER"),
                    Bytes::copy_from_slice(key),
                    read.group.clone(),
                    read.consumer.clone(),
                ],
            );
        }
    }
}

/// Serves one stream of a read at once, if it can (`xreadCommand`'s synchronous part).
fn serve_now(
    ctx: &Ctx<'_>,
    key: &[u8],
    stream: &Shared,
    from: ReadFrom,
    read: Option<&GroupRead>,
    count: usize,
) -> Option<Entries> {
    let mut s = stream.write();
    match (read, from) {
        (None, ReadFrom::After(after)) => {
            let last = s.last_live_id()?;
            if last <= after {
                return None;
            }
            Some(range_entries(&s, after.incr()?, count))
        }
        (Some(read), ReadFrom::After(after)) => {
            touch_consumer(ctx, key, &mut s, read);
            Some(deliver_history(ctx, &mut s, read, after, count))
        }
        (Some(read), ReadFrom::New) => {
            let last = s.last_live_id()?;
            let group_last = s.groups[&read.group].last_id;
            if last <= group_last {
                return None;
            }
            touch_consumer(ctx, key, &mut s, read);
            Some(deliver_new(ctx, key, &mut s, read, group_last, count))
        }
        (None, ReadFrom::New) => None,
    }
}

/// Up to `count` (0: all) live entries from `start` on.
fn range_entries(stream: &StreamValue, start: StreamId, count: usize) -> Entries {
    let mut out = Vec::new();
    for entry in stream.range(start, StreamId::MAX, false) {
        out.push((entry.id, Some(entry.fields())));
        if count != 0 && out.len() == count {
            break;
        }
    }
    out
}

fn entries_reply(entries: Entries) -> Reply {
    Reply::Array(
        entries
            .into_iter()
            .map(|(id, fields)| match fields {
                Some(fields) => entry_reply(id, fields),
                None => Reply::Array(vec![id_reply(id), Reply::NullArray]),
            })
            .collect(),
    )
}

/// A read's reply: `[[key, entries], ...]`, a map of key to entries in RESP3.
fn read_reply(protocol: Protocol, served: Served) -> Reply {
    if protocol == Protocol::Resp2 {
        Reply::Array(
            served
                .into_iter()
                .map(|(k, e)| Reply::Array(vec![Reply::Bulk(k), entries_reply(e)]))
                .collect(),
        )
    } else {
        Reply::Map(
            served
                .into_iter()
                .map(|(k, e)| (Reply::Bulk(k), entries_reply(e)))
                .collect(),
        )
    }
}

/// A parsed XREAD / XREADGROUP, its ids resolved against the keys (`$`).
pub struct ReadPlan {
    keys: Vec<Bytes>,
    froms: Vec<ReadFrom>,
    read: Option<GroupRead>,
    count: usize,
    /// BLOCK's milliseconds (0: forever), if given.
    pub block: Option<i64>,
}

/// Parses XREAD / XREADGROUP `argv` and resolves it against the keys, with Redis's
/// errors in Redis's order (`xreadCommand` up to serving).
pub fn read_plan(ctx: &Ctx<'_>, argv: &[Bytes], group_form: bool) -> Result<ReadPlan> {
    let mut timeout: Option<i64> = None;
    let mut count: usize = 0;
    let mut streams_at = 0;
    let mut group: Option<(Bytes, Bytes)> = None;
    let mut noack = false;
    let mut i = 1;
    while i < argv.len() {
        let more = argv.len() - i - 1;
        let arg = &argv[i];
        if opt(arg, "BLOCK") && more > 0 {
            if ctx.session.in_script {
                return Err(error(format!(
                    "ERR {} command is not allowed with BLOCK option from scripts",
                    printed(&argv[0])
                )));
            }
            i += 1;
            let ms = parse_i64(&argv[i])
                .ok_or_else(|| Error::full("ERR timeout is not an integer or out of range"))?;
            if ms < 0 {
                return Err(Error::full("ERR timeout is negative"));
            }
            timeout = Some(ms);
        } else if opt(arg, "COUNT") && more > 0 {
            i += 1;
            count = args::int(&argv[i])?.max(0) as usize;
        } else if opt(arg, "STREAMS") && more > 0 {
            streams_at = i + 1;
            if !(argv.len() - streams_at).is_multiple_of(2) {
                return Err(Error::full(
                    "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.",
                ));
            }
            break;
        } else if opt(arg, "GROUP") && more >= 2 {
            if !group_form {
                return Err(Error::full(
                    "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.",
                ));
            }
            group = Some((argv[i + 1].clone(), argv[i + 2].clone()));
            i += 2;
        } else if opt(arg, "NOACK") {
            if !group_form {
                return Err(Error::full(
                    "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.",
                ));
            }
            noack = true;
        } else {
            return Err(Error::Syntax);
        }
        i += 1;
    }
    if streams_at == 0 {
        return Err(Error::Syntax);
    }
    if group_form && group.is_none() {
        return Err(Error::full("ERR Missing GROUP option for XREADGROUP"));
    }
    let read = group.map(|(group, consumer)| GroupRead {
        group,
        consumer,
        noack,
    });
    let n = (argv.len() - streams_at) / 2;
    let keys = &argv[streams_at..streams_at + n];
    let (db, txn) = (ctx.db(), ctx.txn());
    let mut froms = Vec::with_capacity(n);
    for (key, id_arg) in keys.iter().zip(&argv[streams_at + n..]) {
        let stream = stream_for_read(txn, db, key)?;
        if let Some(read) = &read {
            let has_group = stream.is_some_and(|s| s.read().groups.contains_key(&read.group));
            if !has_group {
                return Err(error(format!(
                    "NOGROUP No such key '{}' or consumer group '{}' in XREADGROUP with GROUP option",
                    printed(key),
                    printed(&read.group)
                )));
            }
        }
        let id_word = &id_arg[..id_arg.iter().position(|&b| b == 0).unwrap_or(id_arg.len())];
        if id_word == b"$" {
            if group_form {
                return Err(Error::full(
                    "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.",
                ));
            }
            let last = stream.map_or(StreamId::MIN, |s| s.read().meta.last_id);
            froms.push(ReadFrom::After(last));
            continue;
        }
        if id_word == b">" {
            if !group_form {
                return Err(Error::full(
                    "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.",
                ));
            }
            froms.push(ReadFrom::New);
            continue;
        }
        froms.push(ReadFrom::After(parse_strict(id_arg)?));
    }
    Ok(ReadPlan {
        keys: keys.to_vec(),
        froms,
        read,
        count,
        block: timeout,
    })
}

/// Serves what a planned read can serve now.
pub fn read_now(ctx: &Ctx<'_>, plan: &ReadPlan) -> Result<Served> {
    if plan.read.is_some() {
        // What XREADGROUP changes is logged as XCLAIMs and friends, never as itself.
        propagate::suppress();
    }
    let (db, txn) = (ctx.db(), ctx.txn());
    let mut served = Vec::new();
    for (key, from) in plan.keys.iter().zip(&plan.froms) {
        let Some(stream) = stream_for_read(txn, db, key)? else {
            continue;
        };
        if let Some(entries) = serve_now(ctx, key, stream, *from, plan.read.as_ref(), plan.count) {
            served.push((key.clone(), entries));
        }
    }
    Ok(served)
}

impl ReadPlan {
    /// The keys the read waits on when it blocks.
    pub fn keys(&self) -> &[Bytes] {
        &self.keys
    }
}

/// How a blocked read is served: a closure serving it from a ready key (`None`: keep
/// waiting), mapping what it served with `map`.
pub fn read_waiter<T>(
    plan: ReadPlan,
    map: impl Fn(&Ctx<'_>, Served) -> T + Send + 'static,
) -> impl FnMut(&mut Ctx<'_>, &[u8]) -> Option<Result<T>> + Send + 'static {
    let count = if plan.count == 0 {
        BLOCKED_DEFAULT_COUNT
    } else {
        plan.count
    };
    let waits: Vec<(Bytes, ReadFrom)> = plan.keys.into_iter().zip(plan.froms).collect();
    let read = plan.read;
    move |ctx: &mut Ctx<'_>, key: &[u8]| {
        let served = serve_blocked(ctx, key, &waits, read.as_ref(), count)?;
        Some(served.map(|served| map(ctx, served)))
    }
}

/// XREAD and XREADGROUP (`xreadCommand`).
fn read_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], group_form: bool) -> Result<Reply> {
    let plan = read_plan(ctx, argv, group_form)?;
    let served = read_now(ctx, &plan)?;
    if !served.is_empty() {
        return Ok(read_reply(ctx.session.protocol, served));
    }
    let Some(ms) = plan.block else {
        return Ok(Reply::NullArray);
    };
    if !ctx.may_block() {
        return Ok(Reply::NullArray);
    }
    let timeout = (ms > 0).then(|| std::time::Duration::from_millis(ms as u64));
    let keys = plan.keys().to_vec();
    let serve = read_waiter(plan, |ctx, served| read_reply(ctx.session.protocol, served));
    let on = BlockOn::keys(&keys, ValueType::Stream, timeout);
    Ok(ctx.block_until(on, Reply::NullArray, serve))
}

/// Serves a blocked read from the ready `key` (`serveClientsBlockedOnStreamKey`): `None`
/// keeps it waiting.
fn serve_blocked(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    waits: &[(Bytes, ReadFrom)],
    read: Option<&GroupRead>,
    count: usize,
) -> Option<Result<Served>> {
    let from = waits.iter().find(|(k, _)| &k[..] == key)?.1;
    let stream = match ctx.txn().peek(ctx.db(), key).map(|e| e.value()) {
        Some(Value::Stream(stream)) => stream.clone(),
        _ if read.is_some() => {
            return Some(Err(Error::full(
                "UNBLOCKED the stream key no longer exists",
            )));
        }
        _ => return None,
    };
    let mut s = stream.write();
    let after = match (read, from) {
        (Some(read), _) => match s.groups.get(&read.group) {
            Some(group) => group.last_id,
            None => {
                return Some(Err(Error::full(
                    "NOGROUP the consumer group this client was blocked on no longer exists",
                )));
            }
        },
        (None, ReadFrom::After(after)) => after,
        (None, ReadFrom::New) => return None,
    };
    if s.meta.last_id <= after {
        return None;
    }
    let entries = match read {
        Some(read) => {
            propagate::suppress();
            touch_consumer(ctx, key, &mut s, read);
            deliver_new(ctx, key, &mut s, read, after, count)
        }
        None => range_entries(&s, after.incr()?, count),
    };
    Some(Ok(vec![(Bytes::copy_from_slice(key), entries)]))
}

/// `XREAD [COUNT count] [BLOCK ms] STREAMS key [key ...] id [id ...]`.
pub(super) fn xread(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    read_generic(ctx, argv, false)
}

/// `XREADGROUP GROUP group consumer [COUNT count] [BLOCK ms] [NOACK] STREAMS key [key ...]
/// id [id ...]`.
pub(super) fn xreadgroup(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    read_generic(ctx, argv, true)
}
