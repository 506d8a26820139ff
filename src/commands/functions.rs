//! Lua function libraries, as Redis 7.0 answers them: FCALL, FCALL_RO and FUNCTION LOAD /
//! DELETE / LIST / FLUSH / DUMP / RESTORE / STATS / KILL / HELP. The registry and the
//! payload format are in [`crate::scripting::functions`]; libraries run in each thread's
//! function interpreter ([`crate::scripting::engine`]).
//!
//! # Commands
//! - `FCALL function numkeys [key ...] [arg ...]` → the function's result, converted as
//!   for `EVAL`. `ERR Function not found`, `ERR Bad number of keys provided`, `ERR Number
//!   of keys can't be greater than number of args`, `ERR Number of keys can't be
//!   negative`; a function's error ends with ` script: <function>, on @user_function:N.`
//! - `FCALL_RO` → as FCALL for a function flagged `no-writes`; `ERR Can not execute a
//!   script with write flag using *_ro command.` otherwise.
//! - `FUNCTION LOAD [REPLACE] code` → the library's name. The code starts with
//!   `#!lua name=<library>`; errors: `ERR Missing library metadata`, `ERR Library 'x'
//!   already exists`, `ERR Error compiling function: ...`, `ERR Error registering
//!   functions: ...`, `ERR No functions registered`, `ERR Function f already exists`.
//! - `FUNCTION DELETE library` → `OK`; `ERR Library not found`.
//! - `FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE]` → per library a map of
//!   `library_name`, `engine` (`LUA`), `functions` (maps of `name`, `description`, `flags`
//!   as a set) and, with WITHCODE, `library_code`.
//! - `FUNCTION FLUSH [ASYNC|SYNC]` → `OK`.
//! - `FUNCTION DUMP` → the libraries as Redis's payload (RDB strings, version, CRC-64).
//! - `FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE]` → `OK`; `ERR DUMP payload version
//!   or checksum are wrong`, `ERR Library x already exists` (APPEND), ...
//! - `FUNCTION STATS` → map of `running_script` (null, or name, command, duration_ms) and
//!   `engines` (`LUA` → libraries_count, functions_count).
//! - `FUNCTION KILL` → as `SCRIPT KILL`, for a running function.

use bytes::Bytes;

use super::scripting::split_keys;
use super::{Command, Ctx, Reply, flags};
use crate::error::{Error, Result};
use crate::scripting::functions::{self, Library, LibrarySet};
use crate::scripting::{ScriptKind, engine};
use crate::store::glob;

pub static COMMANDS: &[Command] = &[
    Command::new("fcall", fcall).internal(flags::SCRIPT),
    Command::new("fcall_ro", fcall_ro).internal(flags::SCRIPT),
    Command::container("function", FUNCTION_SUBCOMMANDS),
];

static FUNCTION_SUBCOMMANDS: &[Command] = &[
    Command::new("delete", delete).of("function"),
    Command::new("dump", dump).of("function"),
    Command::new("flush", flush).of("function"),
    Command::new("help", help).of("function"),
    Command::new("kill", kill).of("function"),
    Command::new("list", list).of("function"),
    Command::new("load", load).of("function"),
    Command::new("restore", restore).of("function"),
    Command::new("stats", stats).of("function"),
];

fn call(ctx: &mut Ctx<'_>, argv: &[Bytes], read_only: bool) -> Result<Reply> {
    // Redis feeds monitors before the function, so its commands show after it.
    if ctx.server.monitors.active() {
        let addr = &ctx.session.client.addr;
        ctx.server
            .monitors
            .feed(&ctx.server.pubsub, ctx.db(), addr, argv);
    }
    let name = &argv[1];
    if ctx
        .server
        .functions
        .read(|set| set.function(name).is_none())
    {
        return Err(Error::err("Function not found"));
    }
    let (keys, args) = split_keys(argv).map_err(|e| match e {
        Error::NotInteger => Error::err("Bad number of keys provided"),
        other => other,
    })?;
    ctx.server.scripts.describe(name, argv);
    engine::run_function(ctx, name, keys, args, read_only)
}

fn fcall(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    call(ctx, argv, false)
}

fn fcall_ro(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    call(ctx, argv, true)
}

/// Checks a library's code in a fresh interpreter: its name and functions.
fn prepare(ctx: &Ctx<'_>, code: &Bytes) -> Result<Library> {
    let name = functions::library_name(code)?;
    let library = Library {
        name,
        code: code.clone(),
        functions: Vec::new(),
    };
    let functions = engine::check_library(ctx.server, library.body())?;
    Ok(Library {
        functions,
        ..library
    })
}

fn load(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let mut replace = false;
    let code_at = argv.len() - 1;
    for option in &argv[2..code_at] {
        if option.eq_ignore_ascii_case(b"replace") {
            replace = true;
        } else {
            return Err(Error::err(format!(
                "Unknown option given: {}",
                String::from_utf8_lossy(option)
            )));
        }
    }
    let code = &argv[code_at];
    let name = functions::library_name(code)?;
    let exists = ctx
        .server
        .functions
        .read(|set| set.libraries.contains_key(&name));
    if exists && !replace {
        return Err(Error::err(format!(
            "Library '{}' already exists",
            String::from_utf8_lossy(&name)
        )));
    }
    let library = prepare(ctx, code)?;
    ctx.server.functions.update(|set| {
        set.unlink(&name);
        set.link(library)
    })?;
    Ok(Reply::Bulk(name))
}

fn delete(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    ctx.server.functions.update(|set| {
        set.unlink(&argv[2])
            .map(|_| ())
            .ok_or_else(|| Error::err("Library not found"))
    })?;
    Ok(Reply::ok())
}

/// Redis's `addReplySubcommandSyntaxError`, naming the subcommand as the client wrote it.
fn subcommand_syntax_error(argv: &[Bytes]) -> Error {
    Error::err(format!(
        "unknown subcommand or wrong number of arguments for '{}'. Try FUNCTION HELP.",
        String::from_utf8_lossy(&argv[1])
    ))
}

fn flush(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    if argv.len() > 3 {
        return Err(subcommand_syntax_error(argv));
    }
    let mode_ok = match argv.len() {
        2 => true,
        3 => argv[2].eq_ignore_ascii_case(b"sync") || argv[2].eq_ignore_ascii_case(b"async"),
        _ => false,
    };
    if !mode_ok {
        return Err(Error::err("FUNCTION FLUSH only supports SYNC|ASYNC option"));
    }
    ctx.server.functions.update(|set| {
        *set = LibrarySet::default();
        Ok(())
    })?;
    ctx.server.functions.restart_interpreter();
    Ok(Reply::ok())
}

fn list(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let (mut with_code, mut pattern): (bool, Option<&Bytes>) = (false, None);
    let mut i = 2;
    while i < argv.len() {
        let arg = &argv[i];
        if !with_code && arg.eq_ignore_ascii_case(b"withcode") {
            with_code = true;
        } else if pattern.is_none() && arg.eq_ignore_ascii_case(b"libraryname") {
            i += 1;
            pattern = Some(
                argv.get(i)
                    .ok_or_else(|| Error::err("library name argument was not given"))?,
            );
        } else {
            return Err(Error::err(format!(
                "Unknown argument {}",
                String::from_utf8_lossy(arg)
            )));
        }
        i += 1;
    }
    let set = ctx.server.functions.snapshot();
    let libraries = set
        .libraries
        .values()
        .filter(|l| pattern.is_none_or(|p| glob::glob_match(p, &l.name, true)))
        .map(|library| {
            let functions = library
                .functions
                .iter()
                .map(|f| {
                    Reply::Map(vec![
                        (Reply::bulk_static("name"), Reply::Bulk(f.name.clone())),
                        (
                            Reply::bulk_static("description"),
                            Reply::bulk_or_null(f.description.clone()),
                        ),
                        (
                            Reply::bulk_static("flags"),
                            Reply::Set(
                                flag_names(&f.flags)
                                    .into_iter()
                                    .map(Reply::simple)
                                    .collect(),
                            ),
                        ),
                    ])
                })
                .collect();
            let mut fields = vec![
                (
                    Reply::bulk_static("library_name"),
                    Reply::Bulk(library.name.clone()),
                ),
                (Reply::bulk_static("engine"), Reply::bulk_static("LUA")),
                (Reply::bulk_static("functions"), Reply::Array(functions)),
            ];
            if with_code {
                fields.push((
                    Reply::bulk_static("library_code"),
                    Reply::Bulk(library.code.clone()),
                ));
            }
            Reply::Map(fields)
        })
        .collect();
    Ok(Reply::Array(libraries))
}

/// A function's flags as Redis lists them, in its order.
fn flag_names(flags: &crate::scripting::ScriptFlags) -> Vec<&'static str> {
    [
        (flags.no_writes, "no-writes"),
        (flags.allow_oom, "allow-oom"),
        (flags.allow_stale, "allow-stale"),
        (flags.no_cluster, "no-cluster"),
        (flags.allow_cross_slot_keys, "allow-cross-slot-keys"),
    ]
    .into_iter()
    .filter_map(|(set, name)| set.then_some(name))
    .collect()
}

fn dump(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    let compress = ctx.server.config.read().rdbcompression;
    Ok(Reply::Bulk(Bytes::from(functions::dump(
        &ctx.server.functions.snapshot(),
        compress,
    ))))
}

fn restore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    if argv.len() > 4 {
        return Err(subcommand_syntax_error(argv));
    }
    #[derive(PartialEq)]
    enum Policy {
        Append,
        Replace,
        Flush,
    }
    let policy = match argv.get(3) {
        None => Policy::Append,
        Some(p) if p.eq_ignore_ascii_case(b"append") => Policy::Append,
        Some(p) if p.eq_ignore_ascii_case(b"replace") => Policy::Replace,
        Some(p) if p.eq_ignore_ascii_case(b"flush") => Policy::Flush,
        Some(_) => {
            return Err(Error::err(
                "Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.",
            ));
        }
    };
    let codes = functions::parse_dump(&argv[2])?;
    let mut restored = LibrarySet::default();
    for code in &codes {
        let library = prepare(ctx, code)?;
        if restored.libraries.contains_key(&library.name) {
            return Err(Error::err(format!(
                "Library '{}' already exists",
                String::from_utf8_lossy(&library.name)
            )));
        }
        restored.link(library)?;
    }
    ctx.server.functions.update(|set| {
        if policy == Policy::Flush {
            *set = restored;
            ctx.server.functions.restart_interpreter();
            return Ok(());
        }
        for library in restored.libraries.into_values() {
            if set.libraries.contains_key(&library.name) {
                if policy == Policy::Replace {
                    set.unlink(&library.name);
                } else {
                    return Err(Error::err(format!(
                        "Library {} already exists",
                        String::from_utf8_lossy(&library.name)
                    )));
                }
            }
            set.link(library)?;
        }
        Ok(())
    })?;
    Ok(Reply::ok())
}

fn stats(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    let running = ctx.server.scripts.running();
    if let Some(running) = &running
        && running.kind == ScriptKind::Eval
        && ctx.server.scripts.busy_error(0).is_some()
    {
        return Err(ctx
            .server
            .scripts
            .busy_error(0)
            .unwrap_or_else(|| Error::err("busy")));
    }
    let running_script = match running.filter(|r| r.kind == ScriptKind::Function) {
        None => Reply::Null,
        Some(r) => Reply::Map(vec![
            (Reply::bulk_static("name"), Reply::Bulk(r.name)),
            (
                Reply::bulk_static("command"),
                Reply::Array(r.command.into_iter().map(Reply::Bulk).collect()),
            ),
            (
                Reply::bulk_static("duration_ms"),
                Reply::Integer(r.started.elapsed().as_millis() as i64),
            ),
        ]),
    };
    let (libraries, functions) = ctx
        .server
        .functions
        .read(|set| (set.libraries.len(), set.function_count()));
    Ok(Reply::Map(vec![
        (Reply::bulk_static("running_script"), running_script),
        (
            Reply::bulk_static("engines"),
            Reply::Map(vec![(
                Reply::bulk_static("LUA"),
                Reply::Map(vec![
                    (
                        Reply::bulk_static("libraries_count"),
                        Reply::integer(libraries),
                    ),
                    (
                        Reply::bulk_static("functions_count"),
                        Reply::integer(functions),
                    ),
                ]),
            )]),
        ),
    ]))
}

fn kill(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    ctx.server.scripts.kill(ScriptKind::Function)?;
    Ok(Reply::ok())
}

fn help(_ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    Ok(super::command::help_reply(
        "FUNCTION",
        &[
            "LOAD [REPLACE] <FUNCTION CODE>",
            "    Create a new library with the given library name and code.",
            "DELETE <LIBRARY NAME>",
            "    Delete the given library.",
            "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
            "    Return general information on all the libraries:",
            "    * Library name",
            "    * The engine used to run the Library",
            "    * Library description",
            "    * Functions list",
            "    * Library code (if WITHCODE is given)",
            "    It also possible to get only function that matches a pattern using \
             LIBRARYNAME argument.",
            "STATS",
            "    Return information about the current function running:",
            "    * Function name",
            "    * Command used to run the function",
            "    * Duration in MS that the function is running",
            "    If no function is running, return nil",
            "    In addition, returns a list of available engines.",
            "KILL",
            "    Kill the current running function.",
            "FLUSH [ASYNC|SYNC]",
            "    Delete all the libraries.",
            "    When called without the optional mode argument, the behavior is determined \
             by the",
            "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
            "    * ASYNC: Asynchronously flush the libraries.",
            "    * SYNC: Synchronously flush the libraries.",
            "DUMP",
            "    Return a serialized payload representing the current libraries, can be \
             restored using FUNCTION RESTORE command",
            "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
            "    Restore the libraries represented by the given payload, it is possible to \
             give a restore policy to",
            "    control how to handle existing libraries (default APPEND):",
            "    * FLUSH: delete all existing libraries.",
            "    * APPEND: appends the restored libraries to the existing libraries. On \
             collision, abort.",
            "    * REPLACE: appends the restored libraries to the existing libraries, On \
             collision, replace the old",
            "      libraries with the new libraries (notice that even on this option there \
             is a chance of failure",
            "      in case of functions name collision with another library).",
        ],
    ))
}
