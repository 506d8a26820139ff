//! The command catalog, read from the server (`COMMAND`, `COMMAND DOCS`) at run time.

use std::collections::{HashMap, HashSet};

use crate::resp::{Conn, Reply, argv_of};
use crate::rng::Rng;

// ---------------------------------------------------------------------------------------
// The command catalog, read from the server at run time
// ---------------------------------------------------------------------------------------

/// One argument of a command, from `COMMAND DOCS`.
#[derive(Clone, Debug)]
pub(crate) struct ArgDoc {
    pub(crate) name: String,
    pub(crate) kind: String,
    pub(crate) token: Option<Vec<u8>>,
    pub(crate) optional: bool,
    pub(crate) multiple: bool,
    pub(crate) multiple_token: bool,
    pub(crate) children: Vec<ArgDoc>,
}

#[derive(Clone, Debug)]
pub(crate) struct Spec {
    /// `client|kill`.
    pub(crate) full: String,
    /// The words that name it: `["client", "kill"]`.
    pub(crate) words: Vec<Vec<u8>>,
    /// Redis arity: exact argument count (name included) when positive, minimum when negative.
    pub(crate) arity: i64,
    pub(crate) flags: HashSet<String>,
    /// Legacy key positions (first, last, step) from `COMMAND`.
    pub(crate) keys: (i64, i64, i64),
    pub(crate) args: Vec<ArgDoc>,
    pub(crate) documented: bool,
    /// The documentation group (`hash`, `sorted-set`, ...), which picks typed keys.
    pub(crate) group: String,
    has_subcommands: bool,
    /// Blocking commands: the timeout comes right after the name (BLMPOP) or last.
    pub(crate) timeout_first: bool,
    weight: u64,
}

pub(crate) struct Catalog {
    pub(crate) specs: Vec<Spec>,
    total_weight: u64,
    index: HashMap<String, usize>,
    /// Every `token` of every documented argument.
    pub(crate) tokens: Vec<Vec<u8>>,
    /// Every command name, subcommands as `parent|sub` too.
    pub(crate) names: Vec<Vec<u8>>,
}

impl Catalog {
    pub(crate) fn get(&self, full: &str) -> Option<&Spec> {
        self.index.get(full).map(|&i| &self.specs[i])
    }

    pub(crate) fn pick(&self, rng: &mut Rng) -> &Spec {
        let mut at = rng.next_u64() % self.total_weight;
        for spec in &self.specs {
            if at < spec.weight {
                return spec;
            }
            at -= spec.weight;
        }
        unreachable!("weights add up")
    }

    /// The catalog name of `argv`: `client|kill` for a known subcommand, else its name.
    pub(crate) fn full_name(&self, argv: &[Vec<u8>]) -> String {
        let name = String::from_utf8_lossy(&argv[0]).to_ascii_lowercase();
        if let Some(sub) = argv.get(1) {
            let full = format!(
                "{name}|{}",
                String::from_utf8_lossy(sub).to_ascii_lowercase()
            );
            if self.index.contains_key(&full) {
                return full;
            }
        }
        name
    }
}

fn parse_arg_doc(doc: &Reply) -> ArgDoc {
    let text = |key: &str| doc.get(key).map(Reply::text_lossy).unwrap_or_default();
    let flags: Vec<String> = doc
        .get("flags")
        .map(|f| f.items().iter().map(Reply::text_lossy).collect())
        .unwrap_or_default();
    ArgDoc {
        name: text("name"),
        kind: text("type"),
        token: doc.get("token").and_then(Reply::text).map(<[u8]>::to_vec),
        optional: flags.iter().any(|f| f == "optional"),
        multiple: flags.iter().any(|f| f == "multiple"),
        multiple_token: flags.iter().any(|f| f == "multiple_token"),
        children: doc
            .get("arguments")
            .map(|a| a.items().iter().map(parse_arg_doc).collect())
            .unwrap_or_default(),
    }
}

fn collect_docs(map: &Reply, out: &mut HashMap<String, (Vec<ArgDoc>, String)>) {
    for (name, doc) in map.pairs() {
        let name = name.text_lossy().to_ascii_lowercase();
        let args = doc
            .get("arguments")
            .map(|a| a.items().iter().map(parse_arg_doc).collect())
            .unwrap_or_default();
        let group = doc.get("group").map(Reply::text_lossy).unwrap_or_default();
        out.insert(name, (args, group));
        if let Some(subs) = doc.get("subcommands") {
            collect_docs(subs, out);
        }
    }
}

fn collect_tokens(args: &[ArgDoc], out: &mut HashSet<Vec<u8>>) {
    for arg in args {
        if let Some(token) = &arg.token {
            out.insert(token.clone());
        }
        collect_tokens(&arg.children, out);
    }
}

fn parse_command_entry(entry: &Reply, specs: &mut Vec<Spec>) {
    let items = entry.items();
    if items.len() < 6 {
        return;
    }
    let full = items[0].text_lossy().to_ascii_lowercase();
    let flags = items[2].items().iter().map(Reply::text_lossy).collect();
    let key = |i: usize| items[i].int().unwrap_or(0);
    let subcommands = items.get(9).map(Reply::items).unwrap_or_default();
    specs.push(Spec {
        words: full.split('|').map(|w| w.as_bytes().to_vec()).collect(),
        full,
        arity: items[1].int().unwrap_or(-1),
        flags,
        keys: (key(3), key(4), key(5)),
        args: Vec::new(),
        documented: false,
        group: String::new(),
        has_subcommands: !subcommands.is_empty(),
        timeout_first: false,
        weight: 10,
    });
    for sub in subcommands {
        parse_command_entry(sub, specs);
    }
}

pub(crate) async fn load_catalog(conn: &mut Conn) -> Catalog {
    let list = conn
        .call(&argv_of(&[b"COMMAND"]))
        .await
        .expect("COMMAND answers");
    let mut specs = Vec::new();
    for entry in list.items() {
        parse_command_entry(entry, &mut specs);
    }
    assert!(
        !specs.is_empty(),
        "COMMAND listed nothing: {}",
        list.brief()
    );
    let docs = conn
        .call(&argv_of(&[b"COMMAND", b"DOCS"]))
        .await
        .expect("COMMAND DOCS answers");
    let mut doc_args = HashMap::new();
    collect_docs(&docs, &mut doc_args);
    let mut tokens = HashSet::new();
    for spec in &mut specs {
        if let Some((args, group)) = doc_args.get(&spec.full) {
            spec.documented = !args.is_empty();
            spec.args = args.clone();
            spec.group = group.clone();
            collect_tokens(args, &mut tokens);
        }
        spec.timeout_first = spec.args.first().is_some_and(|a| a.name == "timeout");
        spec.weight = match spec.full.as_str() {
            // They empty the pre-populated keys; rarer keeps the typed keys around.
            "flushall" | "flushdb" => 1,
            _ if spec.has_subcommands => 3,
            _ => 10,
        };
    }
    // CONFIG parameter names are option words too.
    if let Ok(config) = conn.call(&argv_of(&[b"CONFIG", b"GET", b"*"])).await {
        for (name, _) in config.pairs() {
            if let Some(name) = name.text() {
                tokens.insert(name.to_vec());
            }
        }
    }
    let mut tokens: Vec<Vec<u8>> = tokens.into_iter().collect();
    tokens.sort();
    let names = specs.iter().map(|s| s.full.as_bytes().to_vec()).collect();
    let index = specs
        .iter()
        .enumerate()
        .map(|(i, s)| (s.full.clone(), i))
        .collect();
    Catalog {
        total_weight: specs.iter().map(|s| s.weight).sum(),
        specs,
        index,
        tokens,
        names,
    }
}
