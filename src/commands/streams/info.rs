//! XINFO STREAM / GROUPS / CONSUMERS (see the family docs in `mod.rs`).

use super::*;

// ---------------------------------------------------------------------------------------
// XINFO
// ---------------------------------------------------------------------------------------

pub(super) fn xinfo_help(_ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    Ok(help_reply(
        "XINFO",
        &[
            "CONSUMERS <key> <groupname>",
            "    Show consumers of <groupname>.",
            "GROUPS <key>",
            "    Show the stream consumer groups.",
            "STREAM <key> [FULL [COUNT <count>]",
            "    Show information about the stream.",
        ],
    ))
}

fn field(name: &'static str, value: Reply) -> (Reply, Reply) {
    (Reply::bulk_static(name), value)
}

fn lag_reply(meta: &StreamMeta, group: &ConsumerGroup) -> Reply {
    meta.lag(group).map_or(Reply::Null, Reply::Integer)
}

fn entries_read_reply(group: &ConsumerGroup) -> Reply {
    if group.entries_read == INVALID_ENTRIES_READ {
        Reply::Null
    } else {
        Reply::Integer(group.entries_read)
    }
}

/// `XINFO STREAM key [FULL [COUNT count]]`, `XINFO GROUPS key`, `XINFO CONSUMERS key group`.
pub(super) fn xinfo(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let key = &argv[2];
    let stream = stream_for_read(ctx.txn(), ctx.db(), key)?.ok_or(Error::NoSuchKey)?;
    let s = stream.read();
    let sub = argv[1].to_ascii_lowercase();
    match &sub[..] {
        b"consumers" => {
            let Some(group) = s.groups.get(&argv[3][..]) else {
                return Err(error(format!(
                    "NOGROUP No such consumer group '{}' for key name '{}'",
                    printed(&argv[3]),
                    printed(key)
                )));
            };
            let now = now_ms(ctx);
            let rows = group
                .consumers
                .iter()
                .map(|(name, c)| {
                    Reply::Map(vec![
                        field("name", Reply::Bulk(name.clone())),
                        field("pending", Reply::integer(c.pel.len())),
                        field("idle", Reply::Integer((now - c.seen_time).max(0))),
                    ])
                })
                .collect();
            Ok(Reply::Array(rows))
        }
        b"groups" => {
            let rows = s
                .groups
                .iter()
                .map(|(name, g)| {
                    Reply::Map(vec![
                        field("name", Reply::Bulk(name.clone())),
                        field("consumers", Reply::integer(g.consumers.len())),
                        field("pending", Reply::integer(g.pel.len())),
                        field("last-delivered-id", id_reply(g.last_id)),
                        field("entries-read", entries_read_reply(g)),
                        field("lag", lag_reply(&s.meta, g)),
                    ])
                })
                .collect();
            Ok(Reply::Array(rows))
        }
        _ => stream_info(&s, argv),
    }
}

/// `XINFO STREAM key [FULL [COUNT count]]` (`xinfoReplyWithStreamInfo`).
fn stream_info(s: &StreamValue, argv: &[Bytes]) -> Result<Reply> {
    let options = &argv[3..];
    let full = !options.is_empty();
    let mut count: i64 = 10;
    if full {
        if options.len() != 1 && options.len() != 3 {
            return Err(subcommand_syntax_error(argv, "XINFO"));
        }
        if !opt(&options[0], "FULL") {
            return Err(subcommand_syntax_error(argv, "XINFO"));
        }
        if options.len() == 3 {
            if !opt(&options[1], "COUNT") {
                return Err(subcommand_syntax_error(argv, "XINFO"));
            }
            count = args::int(&options[2])?;
            if count < 0 {
                count = 10;
            }
        }
    }
    let meta = &s.meta;
    let mut map = vec![
        field("length", Reply::integer(meta.length)),
        field("radix-tree-keys", Reply::integer(s.node_count())),
        field("radix-tree-nodes", Reply::integer(s.radix_tree_nodes())),
        field("last-generated-id", id_reply(meta.last_id)),
        field("max-deleted-entry-id", id_reply(meta.max_deleted_id)),
        field("entries-added", Reply::integer(meta.entries_added)),
        field("recorded-first-entry-id", id_reply(meta.first_id)),
    ];
    if !full {
        let edge = |rev: bool| {
            s.range(StreamId::MIN, StreamId::MAX, rev)
                .next()
                .map_or(Reply::Null, |e| entry_reply(e.id, e.fields()))
        };
        map.push(field("groups", Reply::integer(s.groups.len())));
        map.push(field("first-entry", edge(false)));
        map.push(field("last-entry", edge(true)));
        return Ok(Reply::Map(map));
    }
    let count = count as usize;
    let limit = |n: usize| count == 0 || n < count;
    map.push(field(
        "entries",
        Reply::Array(range_reply(s, StreamId::MIN, StreamId::MAX, count, false)),
    ));
    let groups = s
        .groups
        .iter()
        .map(|(name, g)| {
            let mut pending = Vec::new();
            for (id, p) in &g.pel {
                if !limit(pending.len()) {
                    break;
                }
                pending.push(Reply::Array(vec![
                    id_reply(*id),
                    Reply::Bulk(p.consumer.clone()),
                    Reply::Integer(p.delivery_time),
                    Reply::integer(p.delivery_count),
                ]));
            }
            let consumers = g
                .consumers
                .iter()
                .map(|(cname, c)| {
                    let mut owned = Vec::new();
                    for id in &c.pel {
                        if !limit(owned.len()) {
                            break;
                        }
                        let Some(p) = g.pel.get(id) else {
                            continue;
                        };
                        owned.push(Reply::Array(vec![
                            id_reply(*id),
                            Reply::Integer(p.delivery_time),
                            Reply::integer(p.delivery_count),
                        ]));
                    }
                    Reply::Map(vec![
                        field("name", Reply::Bulk(cname.clone())),
                        field("seen-time", Reply::Integer(c.seen_time)),
                        field("pel-count", Reply::integer(c.pel.len())),
                        field("pending", Reply::Array(owned)),
                    ])
                })
                .collect();
            Reply::Map(vec![
                field("name", Reply::Bulk(name.clone())),
                field("last-delivered-id", id_reply(g.last_id)),
                field("entries-read", entries_read_reply(g)),
                field("lag", lag_reply(meta, g)),
                field("pel-count", Reply::integer(g.pel.len())),
                field("pending", Reply::Array(pending)),
                field("consumers", Reply::Array(consumers)),
            ])
        })
        .collect();
    map.push(field("groups", Reply::Array(groups)));
    Ok(Reply::Map(map))
}
