//! Consumer groups: XGROUP, XSETID, XACK, XPENDING, XCLAIM and XAUTOCLAIM (see the
//! family docs in `mod.rs`).

use super::*;

// ---------------------------------------------------------------------------------------
// XGROUP, XSETID, XACK
// ---------------------------------------------------------------------------------------

pub(super) fn xgroup_help(_ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    Ok(help_reply(
        "XGROUP",
        &[
            "CREATE <key> <groupname> <id|$> [option]",
            "    Create a new consumer group. Options are:",
            "    * MKSTREAM",
            "      Create the empty stream if it does not exist.",
            "    * ENTRIESREAD entries_read",
            "      Set the group's entries_read counter (internal use).",
            "CREATECONSUMER <key> <groupname> <consumer>",
            "    Create a new consumer in the specified group.",
            "DELCONSUMER <key> <groupname> <consumer>",
            "    Remove the specified consumer.",
            "DESTROY <key> <groupname>",
            "    Remove the specified group.",
            "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
            "    Set the current group ID and entries_read counter.",
        ],
    ))
}

/// `XGROUP CREATE|SETID|DESTROY|CREATECONSUMER|DELCONSUMER key group ...` (`xgroupCommand`,
/// its order of checks included).
pub(super) fn xgroup(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let sub = argv[1].to_ascii_lowercase();
    let (create, setid) = (sub == b"create", sub == b"setid");
    let mut mkstream = false;
    let mut entries_read = INVALID_ENTRIES_READ;
    let mut i = 5;
    while i < argv.len() {
        if create && opt(&argv[i], "MKSTREAM") {
            mkstream = true;
            i += 1;
        } else if (create || setid) && opt(&argv[i], "ENTRIESREAD") && i + 1 < argv.len() {
            entries_read = args::int(&argv[i + 1])?;
            if entries_read < 0 && entries_read != INVALID_ENTRIES_READ {
                return Err(Error::full(
                    "ERR value for ENTRIESREAD must be positive or -1",
                ));
            }
            i += 2;
        } else {
            return Err(subcommand_syntax_error(argv, "XGROUP"));
        }
    }
    let (db, txn, key, name) = (ctx.db(), ctx.txn(), &argv[2], &argv[3]);
    let stream = stream_for_write(txn, db, key)?.cloned();
    if !mkstream {
        let Some(stream) = &stream else {
            return Err(Error::full(
                "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.",
            ));
        };
        let needs_group = matches!(&sub[..], b"setid" | b"createconsumer" | b"delconsumer");
        if needs_group && !stream.read().groups.contains_key(&name[..]) {
            return Err(error(format!(
                "NOGROUP No such consumer group '{}' for key name '{}'",
                printed(name),
                printed(key)
            )));
        }
    }
    match &sub[..] {
        b"create" if (5..=8).contains(&argv.len()) => {
            let id = if &argv[4][..] == b"$" {
                stream
                    .as_ref()
                    .map_or(StreamId::MIN, |s| s.read().meta.last_id)
            } else {
                parse_strict(&argv[4])?
            };
            let stream = match stream {
                Some(stream) => stream,
                None => {
                    let stream: Shared = Arc::new(RwLock::new(StreamValue::new()));
                    txn.add(db, key, Value::Stream(stream.clone()));
                    stream
                }
            };
            if !stream.write().create_group(name, id, entries_read) {
                return Err(Error::full("BUSYGROUP Consumer Group name already exists"));
            }
            txn.note(db, key, Event::XGroupCreate);
            Ok(Reply::ok())
        }
        b"setid" if argv.len() == 5 || argv.len() == 7 => {
            let stream = stream.expect("checked above");
            let mut s = stream.write();
            let id = if &argv[4][..] == b"$" {
                s.meta.last_id
            } else {
                let rules = IdRules {
                    missing_seq: 0,
                    strict: false,
                    auto_seq: false,
                };
                parse_id_with(&argv[4], rules)?.0
            };
            let group = s.groups.get_mut(&name[..]).expect("checked above");
            group.last_id = id;
            group.entries_read = entries_read;
            txn.note(db, key, Event::XGroupSetId);
            Ok(Reply::ok())
        }
        b"destroy" if argv.len() == 4 => {
            let stream = stream.expect("checked above");
            if stream.write().groups.remove(&name[..]).is_none() {
                return Ok(Reply::Integer(0));
            }
            txn.note(db, key, Event::XGroupDestroy);
            Ok(Reply::Integer(1))
        }
        b"createconsumer" if argv.len() == 5 => {
            let stream = stream.expect("checked above");
            let mut s = stream.write();
            let group = s.groups.get_mut(&name[..]).expect("checked above");
            if !group.create_consumer(&argv[4], now_ms(ctx)) {
                return Ok(Reply::Integer(0));
            }
            txn.note(db, key, Event::XGroupCreateConsumer);
            Ok(Reply::Integer(1))
        }
        b"delconsumer" if argv.len() == 5 => {
            let stream = stream.expect("checked above");
            let mut s = stream.write();
            let group = s.groups.get_mut(&name[..]).expect("checked above");
            match group.delete_consumer(&argv[4]) {
                Some(pending) => {
                    txn.note(db, key, Event::XGroupDelConsumer);
                    Ok(Reply::integer(pending))
                }
                None => Ok(Reply::Integer(0)),
            }
        }
        _ => Err(subcommand_syntax_error(argv, "XGROUP")),
    }
}

/// `XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]` → OK.
pub(super) fn xsetid(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let id = parse_strict(&argv[2])?;
    let mut entries_added: i64 = -1;
    let mut max_deleted = StreamId::MIN;
    let mut i = 3;
    while i < argv.len() {
        let more = argv.len() - 1 - i;
        if opt(&argv[i], "ENTRIESADDED") && more > 0 {
            entries_added = args::int(&argv[i + 1])?;
            if entries_added < 0 {
                return Err(Error::full("ERR entries_added must be positive"));
            }
            i += 2;
        } else if opt(&argv[i], "MAXDELETEDID") && more > 0 {
            max_deleted = parse_strict(&argv[i + 1])?;
            if id < max_deleted {
                return Err(Error::full(
                    "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id",
                ));
            }
            i += 2;
        } else {
            return Err(Error::Syntax);
        }
    }
    let (db, txn, key) = (ctx.db(), ctx.txn(), &argv[1]);
    let stream = stream_for_write(txn, db, key)?.ok_or(Error::NoSuchKey)?;
    let mut s = stream.write();
    if !s.is_empty() {
        let top = s
            .last_live_id()
            .expect("a non-empty stream has a live entry");
        if id < top {
            return Err(Error::full(
                "ERR The ID specified in XSETID is smaller than the target stream top item",
            ));
        }
        if entries_added != -1 && s.len() > entries_added as u64 {
            return Err(Error::full(
                "ERR The entries_added specified in XSETID is smaller than the target stream length",
            ));
        }
    }
    s.meta.last_id = id;
    if entries_added != -1 {
        s.meta.entries_added = entries_added as u64;
    }
    if !max_deleted.is_zero() {
        s.meta.max_deleted_id = max_deleted;
    }
    txn.note(db, key, Event::XSetId);
    Ok(Reply::ok())
}

/// The stream at `key` with group `group`, or `None` when either is missing.
fn with_group<'t>(
    txn: &'t Txn<'_>,
    db: usize,
    key: &[u8],
    group: &[u8],
) -> Result<Option<&'t Shared>> {
    let stream = stream_for_read(txn, db, key)?;
    Ok(stream.filter(|s| s.read().groups.contains_key(group)))
}

fn no_key_or_group(key: &[u8], group: &[u8]) -> Error {
    error(format!(
        "NOGROUP No such key '{}' or consumer group '{}'",
        printed(key),
        printed(group)
    ))
}

/// `XACK key group id [id ...]` → how many ids were pending.
pub fn xack(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let (db, txn, key, name) = (ctx.db(), ctx.txn(), &argv[1], &argv[2]);
    let Some(stream) = with_group(txn, db, key, name)? else {
        return Ok(Reply::Integer(0));
    };
    let ids = argv[3..]
        .iter()
        .map(|a| parse_strict(a))
        .collect::<Result<Vec<_>>>()?;
    let mut s = stream.write();
    let group = s.groups.get_mut(&name[..]).expect("checked above");
    let acked = ids.into_iter().filter(|id| group.ack(*id)).count();
    // Nothing a keyspace event names changed, but the PEL did: logged as sent.
    propagate::suppress();
    if acked > 0 && aof_on(ctx) {
        propagate::push(db, argv.to_vec());
    }
    Ok(Reply::integer(acked))
}

// ---------------------------------------------------------------------------------------
// XPENDING, XCLAIM, XAUTOCLAIM
// ---------------------------------------------------------------------------------------

/// `XPENDING key group [[IDLE min-idle] start end count [consumer]]`.
pub(super) fn xpending(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let summary = argv.len() == 3;
    if !summary && !(6..=9).contains(&argv.len()) {
        return Err(Error::Syntax);
    }
    let mut range = None;
    if !summary {
        let mut at = 3;
        let mut min_idle = 0;
        if opt(&argv[3], "IDLE") {
            min_idle = args::int(&argv[4])?;
            if argv.len() < 8 {
                return Err(Error::Syntax);
            }
            at += 2;
        }
        let count = args::int(&argv[at + 2])?.max(0) as usize;
        let start = range_start(&argv[at])?;
        let end = range_end(&argv[at + 1])?;
        let consumer = argv.get(at + 3).cloned();
        range = Some((min_idle, start, end, count, consumer));
    }
    let (key, name) = (&argv[1], &argv[2]);
    let stream = stream_for_read(ctx.txn(), ctx.db(), key)?;
    let Some(stream) = stream.filter(|s| s.read().groups.contains_key(&name[..])) else {
        return Err(no_key_or_group(key, name));
    };
    let s = stream.read();
    let group = &s.groups[&name[..]];
    let Some((min_idle, start, end, count, consumer)) = range else {
        if group.pel.is_empty() {
            return Ok(Reply::Array(vec![
                Reply::Integer(0),
                Reply::Null,
                Reply::Null,
                Reply::NullArray,
            ]));
        }
        let first = *group.pel.keys().next().expect("not empty");
        let last = *group.pel.keys().next_back().expect("not empty");
        let owners = group
            .consumers
            .iter()
            .filter(|(_, c)| !c.pel.is_empty())
            .map(|(n, c)| Reply::Array(vec![Reply::Bulk(n.clone()), Reply::Bulk(num(c.pel.len()))]))
            .collect();
        return Ok(Reply::Array(vec![
            Reply::integer(group.pel.len()),
            id_reply(first),
            id_reply(last),
            Reply::Array(owners),
        ]));
    };
    let now = now_ms(ctx);
    let ids: Box<dyn Iterator<Item = StreamId>> = match &consumer {
        Some(consumer) => match group.consumers.get(&consumer[..]) {
            Some(c) => Box::new(c.pel.range(start..).copied()),
            None => return Ok(Reply::Array(vec![])),
        },
        None => Box::new(group.pel.range(start..).map(|(id, _)| *id)),
    };
    let mut rows = Vec::new();
    for id in ids {
        if rows.len() == count || id > end {
            break;
        }
        let Some(pending) = group.pel.get(&id) else {
            continue;
        };
        let idle = now - pending.delivery_time;
        if min_idle != 0 && idle < min_idle {
            continue;
        }
        rows.push(Reply::Array(vec![
            id_reply(id),
            Reply::Bulk(pending.consumer.clone()),
            Reply::Integer(idle.max(0)),
            Reply::integer(pending.delivery_count),
        ]));
    }
    Ok(Reply::Array(rows))
}

/// An entry's reply for XCLAIM / XAUTOCLAIM: its id alone with JUSTID.
fn claimed_reply(stream: &StreamValue, id: StreamId, justid: bool) -> Reply {
    if justid {
        return id_reply(id);
    }
    entry_reply(id, stream.get(id).unwrap_or_default())
}

/// `XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-ms]
/// [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID id]` → the claimed entries (or ids).
pub(super) fn xclaim(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let (db, txn, key, name) = (ctx.db(), ctx.txn(), &argv[1], &argv[2]);
    let Some(stream) = with_group(txn, db, key, name)? else {
        return Err(no_key_or_group(key, name));
    };
    let min_idle = parse_i64(&argv[4])
        .ok_or_else(|| Error::full("ERR Invalid min-idle-time argument for XCLAIM"))?
        .max(0);
    let mut j = 5;
    let mut ids = Vec::new();
    while j < argv.len() {
        match parse_id_with(&argv[j], STRICT) {
            Ok((id, _)) => ids.push(id),
            Err(_) => break,
        }
        j += 1;
    }
    let now = now_ms(ctx);
    let (mut force, mut justid) = (false, false);
    let mut delivery_time: Option<i64> = None;
    let mut retry_count: Option<u64> = None;
    let mut last_id = StreamId::MIN;
    let int_option = |arg: &[u8], what: &str| {
        parse_i64(arg)
            .ok_or_else(|| error(format!("ERR Invalid {what} option argument for XCLAIM")))
    };
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        let arg = &argv[j];
        if opt(arg, "FORCE") {
            force = true;
        } else if opt(arg, "JUSTID") {
            justid = true;
        } else if opt(arg, "IDLE") && more > 0 {
            j += 1;
            delivery_time = Some(now - int_option(&argv[j], "IDLE")?);
        } else if opt(arg, "TIME") && more > 0 {
            j += 1;
            delivery_time = Some(int_option(&argv[j], "TIME")?);
        } else if opt(arg, "RETRYCOUNT") && more > 0 {
            j += 1;
            let n = int_option(&argv[j], "RETRYCOUNT")?;
            retry_count = (n >= 0).then_some(n as u64);
        } else if opt(arg, "LASTID") && more > 0 {
            j += 1;
            last_id = parse_strict(&argv[j])?;
        } else {
            return Err(error(format!(
                "ERR Unrecognized XCLAIM option '{}'",
                printed(arg)
            )));
        }
        j += 1;
    }
    propagate::suppress();
    let log = aof_on(ctx);
    let mut s = stream.write();
    let mut log_last_id = false;
    {
        let group = s.groups.get_mut(&name[..]).expect("checked above");
        if last_id > group.last_id {
            group.last_id = last_id;
            log_last_id = true;
        }
    }
    let delivery_time = match delivery_time {
        Some(t) if t >= 0 && t <= now => t,
        _ => now,
    };
    let consumer_name = &argv[3];
    let mut claimed = Vec::new();
    let mut consumer_ready = false;
    for id in ids {
        let exists = s.contains(id);
        let group = s.groups.get_mut(&name[..]).expect("checked above");
        if !exists {
            if let Some(pending) = group.pel.get(&id).cloned() {
                if log {
                    log_pending(ctx, key, name, group.last_id, id, &pending);
                }
                log_last_id = false;
                group.ack(id);
            }
            continue;
        }
        let forced = force && !group.pel.contains_key(&id);
        let Some(current) = group.pel.get(&id) else {
            if !forced {
                continue;
            }
            // A forced entry has no owner yet: no idle check.
            claim_one(ctx, key, group, consumer_name, &mut consumer_ready, id);
            let pending = group.pel.get_mut(&id).expect("assigned");
            pending.delivery_time = delivery_time;
            // Redis creates it delivered once, then counts this claim unless JUSTID.
            pending.delivery_count = retry_count.unwrap_or(if justid { 1 } else { 2 });
            if log {
                log_claim(ctx, key, name, group, id);
            }
            log_last_id = false;
            claimed.push(id);
            continue;
        };
        if min_idle != 0 && now - current.delivery_time < min_idle {
            continue;
        }
        claim_one(ctx, key, group, consumer_name, &mut consumer_ready, id);
        let pending = group.pel.get_mut(&id).expect("assigned");
        pending.delivery_time = delivery_time;
        match retry_count {
            Some(n) => pending.delivery_count = n,
            None if !justid => pending.delivery_count += 1,
            None => {}
        }
        if log {
            log_claim(ctx, key, name, group, id);
        }
        log_last_id = false;
        claimed.push(id);
    }
    if log_last_id && log {
        log_group_id(ctx, key, name, &s.groups[&name[..]]);
    }
    let replies = claimed
        .into_iter()
        .map(|id| claimed_reply(&s, id, justid))
        .collect();
    Ok(Reply::Array(replies))
}

/// Gives `id` to `consumer` (creating the consumer, once, on the first claim, with
/// `xgroup-createconsumer`).
fn claim_one(
    ctx: &Ctx<'_>,
    key: &[u8],
    group: &mut ConsumerGroup,
    consumer: &[u8],
    ready: &mut bool,
    id: StreamId,
) {
    if !*ready {
        if group.touch_consumer(consumer, now_ms(ctx)) {
            ctx.txn().note(ctx.db(), key, Event::XGroupCreateConsumer);
        }
        *ready = true;
    }
    let name = group.consumer_name(consumer).expect("created above");
    let previous = group
        .pel
        .get(&id)
        .map(|p| (p.delivery_time, p.delivery_count));
    let pending = group.assign(id, &name);
    if let Some((time, count)) = previous {
        pending.delivery_time = time;
        pending.delivery_count = count;
    }
}

/// `XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]` →
/// `[next start, claimed entries (or ids), ids of deleted entries dropped from the PEL]`.
pub(super) fn xautoclaim(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let min_idle = parse_i64(&argv[4])
        .ok_or_else(|| Error::full("ERR Invalid min-idle-time argument for XAUTOCLAIM"))?
        .max(0);
    let start = range_start(&argv[5])?;
    let mut count: i64 = 100;
    let mut justid = false;
    let mut j = 6;
    let max_count = i64::MAX / 16;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        if opt(&argv[j], "COUNT") && more > 0 {
            count = parse_i64(&argv[j + 1])
                .filter(|n| (1..=max_count).contains(n))
                .ok_or_else(|| Error::full("ERR COUNT must be > 0"))?;
            j += 1;
        } else if opt(&argv[j], "JUSTID") {
            justid = true;
        } else {
            return Err(Error::Syntax);
        }
        j += 1;
    }
    let (db, txn, key, name) = (ctx.db(), ctx.txn(), &argv[1], &argv[2]);
    let Some(stream) = with_group(txn, db, key, name)? else {
        return Err(no_key_or_group(key, name));
    };
    propagate::suppress();
    let log = aof_on(ctx);
    let now = now_ms(ctx);
    let mut s = stream.write();
    let mut attempts = count.saturating_mul(10);
    let mut claimed = Vec::new();
    let mut deleted = Vec::new();
    let mut consumer_ready = false;
    let consumer_name = &argv[3];
    let mut cursor = start;
    let mut next: Option<StreamId> = None;
    loop {
        let candidate = {
            let group = &s.groups[&name[..]];
            group.pel.range(cursor..).next().map(|(id, _)| *id)
        };
        let Some(id) = candidate else {
            next = None;
            break;
        };
        if attempts == 0 || count == 0 {
            next = Some(id);
            break;
        }
        attempts -= 1;
        cursor = id.incr().unwrap_or(StreamId::MAX);
        let exists = s.contains(id);
        let group = s.groups.get_mut(&name[..]).expect("checked above");
        if !exists {
            let pending = group.pel.get(&id).cloned().expect("listed above");
            if log {
                log_pending(ctx, key, name, group.last_id, id, &pending);
            }
            group.ack(id);
            deleted.push(id);
            count -= 1;
            if id == StreamId::MAX {
                break;
            }
            continue;
        }
        let idle = now - group.pel[&id].delivery_time;
        if min_idle != 0 && idle < min_idle {
            if id == StreamId::MAX {
                break;
            }
            continue;
        }
        claim_one(ctx, key, group, consumer_name, &mut consumer_ready, id);
        let pending = group.pel.get_mut(&id).expect("assigned");
        pending.delivery_time = now;
        if !justid {
            pending.delivery_count += 1;
        }
        if log {
            log_claim(ctx, key, name, group, id);
        }
        claimed.push(id);
        count -= 1;
        if id == StreamId::MAX {
            break;
        }
    }
    let replies = claimed
        .into_iter()
        .map(|id| claimed_reply(&s, id, justid))
        .collect();
    Ok(Reply::Array(vec![
        id_reply(next.unwrap_or(StreamId::MIN)),
        Reply::Array(replies),
        Reply::Array(deleted.into_iter().map(id_reply).collect()),
    ]))
}
