//! One user's access rules as Redis 7.0 keeps them (`acl.c`): flags, SHA-256 passwords and
//! selectors (the root one plus any added with `(...)`), each a command bitmap with
//! allowed first arguments, key patterns with read/write permissions and channel patterns.
//! Applying a rule (`ACL SETUSER` modifiers), describing rules back in the same syntax
//! (`ACL LIST`, `ACL GETUSER`, `ACL SAVE`), and checking a command against them.
//!
//! Our own code rather than a crate: the exact rule grammar, the error each bad rule gets
//! and the "best fit" description of a command bitmap are Redis's, byte for byte.

use std::sync::LazyLock;

use bytes::Bytes;
use sha2::{Digest, Sha256};

use crate::commands::{self, Route, flags};
use crate::store::glob::glob_match;

/// Redis's ACL categories, in the order it lists them (`ACL CAT`): the table build.rs
/// generates the command metadata with.
pub const CATEGORIES: [&str; 21] = crate::commands::meta::ACL_CATEGORIES;

/// The bit of a category in [`route_categories`], by name (case-insensitive).
pub fn category_bit(name: &[u8]) -> Option<u32> {
    CATEGORIES
        .iter()
        .position(|c| c.as_bytes().eq_ignore_ascii_case(name))
        .map(|i| 1 << i)
}

/// Each route's categories as bits of [`CATEGORIES`], by route id.
static ROUTE_CATEGORIES: LazyLock<Vec<u32>> = LazyLock::new(|| {
    commands::all_routes()
        .iter()
        .map(|route| {
            route
                .meta
                .acl_categories
                .iter()
                .filter_map(|c| category_bit(c.trim_start_matches('@').as_bytes()))
                .fold(0, |bits, bit| bits | bit)
        })
        .collect()
});

pub fn route_categories(route: &Route) -> u32 {
    ROUTE_CATEGORIES[route.id]
}

/// Top-level commands in table order: the order rules are applied and described in.
fn top_routes() -> impl Iterator<Item = &'static Route> {
    commands::all_routes()
        .iter()
        .copied()
        .filter(|r| r.command.parent.is_empty())
}

/// Key pattern permissions.
pub const READ: u8 = 1;
pub const WRITE: u8 = 2;
const ALL_PERMISSIONS: u8 = READ | WRITE;

/// A key pattern and what it lets a command do with matching keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPattern {
    pub permissions: u8,
    pub pattern: Bytes,
}

impl KeyPattern {
    /// `~pattern`, `%R~pattern` or `%W~pattern`, as Redis prints it.
    fn describe(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(match self.permissions {
            ALL_PERMISSIONS => b"~".as_slice(),
            READ => b"%R~",
            _ => b"%W~",
        });
        out.extend_from_slice(&self.pattern);
    }
}

/// Why a rule was refused: Redis's `ACLSetUserStringError` texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleError {
    Syntax,
    UnknownCommand,
    KeyAfterAll,
    ChannelAfterAll,
    NoSuchPassword,
    BadHash,
    FirstArgOfSubcommand,
}

impl RuleError {
    pub fn message(self) -> &'static str {
        match self {
            RuleError::Syntax => "Syntax error",
            RuleError::UnknownCommand => "Unknown command or category name in ACL",
            RuleError::KeyAfterAll => {
                "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid \
                 and does not have any effect. Try 'resetkeys' to start with an empty list \
                 of patterns"
            }
            RuleError::ChannelAfterAll => {
                "Adding a pattern after the * pattern (or the 'allchannels' flag) is not \
                 valid and does not have any effect. Try 'resetchannels' to start with an \
                 empty list of channels"
            }
            RuleError::NoSuchPassword => {
                "The password you are trying to remove from the user does not exist"
            }
            RuleError::BadHash => {
                "The password hash must be exactly 64 characters and contain only lowercase \
                 hexadecimal characters"
            }
            RuleError::FirstArgOfSubcommand => {
                "Allowing first-arg of a subcommand is not supported"
            }
        }
    }
}

/// Why a command was denied, with the argument position of the key or channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Denied {
    // Ordered as Redis's ACL_DENIED_* codes: the "most relevant" error wins.
    Command,
    Key(usize),
    Channel(usize),
}

impl Denied {
    fn rank(self) -> (u8, usize) {
        match self {
            Denied::Command => (1, 0),
            Denied::Key(pos) => (2, pos),
            Denied::Channel(pos) => (4, pos),
        }
    }
}

/// One set of permissions: a user passes a check when any of its selectors does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    all_keys: bool,
    all_channels: bool,
    /// Set by `+@all` and cleared by any command taken away (a shortcut for the bitmap).
    all_commands: bool,
    /// One bit per route id, plus a last bit that only `+@all` sets: "may run commands
    /// added later" (what makes the description start with `+@all`).
    allowed: Vec<u64>,
    /// Commands allowed only with one of these first arguments (`+select|0`), by route id.
    first_args: Vec<(usize, Vec<Bytes>)>,
    patterns: Vec<KeyPattern>,
    channels: Vec<Bytes>,
}

fn future_bit() -> usize {
    commands::all_routes().len()
}

impl Selector {
    /// A selector that allows nothing (all channels when `acl-pubsub-default` says so).
    pub fn new(all_channels: bool) -> Selector {
        Selector {
            all_keys: false,
            all_channels,
            all_commands: false,
            allowed: vec![0; future_bit() / 64 + 1],
            first_args: Vec::new(),
            patterns: Vec::new(),
            channels: Vec::new(),
        }
    }

    fn bit(&self, id: usize) -> bool {
        self.allowed[id / 64] & (1 << (id % 64)) != 0
    }

    fn set_bit(&mut self, id: usize, on: bool) {
        if on {
            self.allowed[id / 64] |= 1 << (id % 64);
        } else {
            self.allowed[id / 64] &= !(1 << (id % 64));
            self.all_commands = false;
        }
    }

    fn set_all(&mut self, on: bool) {
        for (i, word) in self.allowed.iter_mut().enumerate() {
            *word = if on { u64::MAX } else { 0 };
            if on && i == future_bit() / 64 {
                // Only the bits that exist, so two selectors compare equal bit for bit.
                *word = u64::MAX >> (63 - future_bit() % 64);
            }
        }
        self.all_commands = on;
        self.first_args.clear();
    }

    /// Whether every command, key and channel is allowed.
    pub fn unrestricted(&self) -> bool {
        self.all_commands && self.all_keys && self.all_channels
    }

    /// Redis's `ACLChangeSelectorPerm`: a command and all its subcommands.
    fn change(&mut self, route: &Route, allow: bool) {
        self.set_bit(route.id, allow);
        self.first_args.retain(|(id, _)| *id != route.id);
        for sub in &route.subcommands {
            self.set_bit(sub.id, allow);
        }
    }

    /// Redis's `ACLSetSelectorCommandBitsForCategoryLogic` over the whole table.
    fn change_category(&mut self, category: u32, allow: bool) {
        fn walk(
            s: &mut Selector,
            routes: &mut dyn Iterator<Item = &'static Route>,
            cat: u32,
            on: bool,
        ) {
            for route in routes {
                if route_categories(route) & cat != 0 {
                    s.change(route, on);
                }
                if !route.subcommands.is_empty() {
                    walk(s, &mut route.subcommands.iter(), cat, on);
                }
            }
        }
        walk(self, &mut top_routes(), category, allow);
    }

    fn add_first_arg(&mut self, id: usize, arg: &[u8]) {
        let pos = match self.first_args.iter().position(|(i, _)| *i == id) {
            Some(pos) => pos,
            None => {
                self.first_args.push((id, Vec::new()));
                self.first_args.len() - 1
            }
        };
        let args = &mut self.first_args[pos].1;
        if !args.iter().any(|a| a.eq_ignore_ascii_case(arg)) {
            args.push(Bytes::copy_from_slice(arg));
        }
    }

    /// Applies one selector rule (Redis's `ACLSetSelector`).
    pub fn apply(&mut self, op: &[u8]) -> Result<(), RuleError> {
        let is = |word: &str| op.eq_ignore_ascii_case(word.as_bytes());
        if is("allkeys") || is("~*") {
            self.all_keys = true;
            self.patterns.clear();
        } else if is("resetkeys") {
            self.all_keys = false;
            self.patterns.clear();
        } else if is("allchannels") || is("&*") {
            self.all_channels = true;
            self.channels.clear();
        } else if is("resetchannels") {
            self.all_channels = false;
            self.channels.clear();
        } else if is("allcommands") || is("+@all") {
            self.set_all(true);
        } else if is("nocommands") || is("-@all") {
            self.set_all(false);
        } else if op[0] == b'~' || op[0] == b'%' {
            self.add_key_pattern(op)?;
        } else if op[0] == b'&' {
            if self.all_channels {
                return Err(RuleError::ChannelAfterAll);
            }
            let pattern = &op[1..];
            if has_spaces(pattern) {
                return Err(RuleError::Syntax);
            }
            if !self.channels.iter().any(|c| c == pattern) {
                self.channels.push(Bytes::copy_from_slice(pattern));
            }
            self.all_channels = false;
        } else if op[0] == b'+' && op.get(1) != Some(&b'@') {
            self.allow_command(&op[1..])?;
        } else if op[0] == b'-' && op.get(1) != Some(&b'@') {
            let route = acl_lookup(&op[1..]).ok_or(RuleError::UnknownCommand)?;
            self.change(route, false);
        } else if (op[0] == b'+' || op[0] == b'-') && op.get(1) == Some(&b'@') {
            let category = category_bit(&op[2..]).ok_or(RuleError::UnknownCommand)?;
            self.change_category(category, op[0] == b'+');
        } else {
            return Err(RuleError::Syntax);
        }
        Ok(())
    }

    fn add_key_pattern(&mut self, op: &[u8]) -> Result<(), RuleError> {
        if self.all_keys {
            return Err(RuleError::KeyAfterAll);
        }
        let mut permissions = 0;
        let mut offset = 1;
        if op[0] == b'%' {
            while offset < op.len() {
                match op[offset].to_ascii_uppercase() {
                    b'R' if permissions & READ == 0 => permissions |= READ,
                    b'W' if permissions & WRITE == 0 => permissions |= WRITE,
                    b'~' => {
                        offset += 1;
                        break;
                    }
                    _ => return Err(RuleError::Syntax),
                }
                offset += 1;
            }
            // A bare `%` names no permission (Redis refuses it too).
            if permissions == 0 {
                return Err(RuleError::Syntax);
            }
        } else {
            permissions = ALL_PERMISSIONS;
        }
        let pattern = &op[offset.min(op.len())..];
        if has_spaces(pattern) {
            return Err(RuleError::Syntax);
        }
        match self.patterns.iter_mut().find(|p| p.pattern == pattern) {
            Some(existing) => existing.permissions |= permissions,
            None => self.patterns.push(KeyPattern {
                permissions,
                pattern: Bytes::copy_from_slice(pattern),
            }),
        }
        self.all_keys = false;
        Ok(())
    }

    /// `+command`, `+container|subcommand` or `+command|first-arg`.
    fn allow_command(&mut self, name: &[u8]) -> Result<(), RuleError> {
        let Some(bar) = name.iter().rposition(|&b| b == b'|') else {
            let route = acl_lookup(name).ok_or(RuleError::UnknownCommand)?;
            self.change(route, true);
            return Ok(());
        };
        let (base, sub) = (&name[..bar], &name[bar + 1..]);
        let route = acl_lookup(base).ok_or(RuleError::UnknownCommand)?;
        if !route.command.parent.is_empty() {
            return Err(RuleError::FirstArgOfSubcommand);
        }
        if sub.is_empty() {
            return Err(RuleError::Syntax);
        }
        if route.subcommands.is_empty() {
            // Redis logs a deprecation warning for this use of first arguments.
            tracing::warn!(
                "Deprecation warning: Allowing a first arg of an otherwise blocked command \
                 is a misuse of ACL and may get disabled in the future (offender: +{})",
                String::from_utf8_lossy(name)
            );
            self.add_first_arg(route.id, sub);
        } else {
            let sub = route.subcommand(sub).ok_or(RuleError::UnknownCommand)?;
            self.change(sub, true);
        }
        Ok(())
    }

    /// Redis's `ACLDescribeSelectorCommandRules`: `+@all` or `-@all`, then the categories
    /// that best fit the bitmap, then single commands (and first arguments) for the rest.
    pub fn describe_commands(&self) -> String {
        let additive = !self.bit(future_bit());
        let mut rules = String::from(if additive { "-@all " } else { "+@all " });
        let mut fake = Selector::new(false);
        fake.set_all(!additive);
        let mut temp = Selector::new(false);
        temp.allowed = self.allowed.clone();
        let mut applied = [false; CATEGORIES.len()];
        loop {
            let mut best = None;
            let (mut min_diff, mut max_same) = (u64::MAX, 0);
            for (i, _) in CATEGORIES.iter().enumerate() {
                if applied[i] {
                    continue;
                }
                let (on, off) = temp.count_category(1 << i);
                let (diff, same) = if additive { (off, on) } else { (on, off) };
                if same > diff && (diff < min_diff || (diff == min_diff && same > max_same)) {
                    best = Some(i);
                    min_diff = diff;
                    max_same = same;
                }
            }
            let Some(best) = best else { break };
            fake.change_category(1 << best, additive);
            temp.change_category(1 << best, !additive);
            rules.push_str(if additive { "+@" } else { "-@" });
            rules.push_str(CATEGORIES[best]);
            rules.push(' ');
            applied[best] = true;
        }
        fn singles(s: &Selector, fake: &mut Selector, routes: &[&'static Route], out: &mut String) {
            for route in routes {
                let user_bit = s.bit(route.id);
                if user_bit != fake.bit(route.id) {
                    out.push(if user_bit { '+' } else { '-' });
                    out.push_str(&route.full_name);
                    out.push(' ');
                    fake.change(route, user_bit);
                }
                let subs: Vec<&'static Route> = route.subcommands.iter().collect();
                singles(s, fake, &subs, out);
                if !user_bit
                    && let Some((_, args)) = s.first_args.iter().find(|(id, _)| *id == route.id)
                {
                    for arg in args {
                        out.push('+');
                        out.push_str(&route.full_name);
                        out.push('|');
                        out.push_str(&String::from_utf8_lossy(arg));
                        out.push(' ');
                    }
                }
            }
        }
        let top: Vec<&'static Route> = top_routes().collect();
        singles(self, &mut fake, &top, &mut rules);
        rules.pop();
        debug_assert_eq!(fake.allowed, self.allowed, "described rules: {rules}");
        rules
    }

    /// Allowed and denied commands of a category (Redis's `ACLCountCategoryBitsForCommands`).
    fn count_category(&self, category: u32) -> (u64, u64) {
        let (mut on, mut off) = (0, 0);
        for route in commands::all_routes() {
            if route_categories(route) & category != 0 {
                if self.bit(route.id) {
                    on += 1;
                } else {
                    off += 1;
                }
            }
        }
        (on, off)
    }

    /// The key patterns as `ACL GETUSER` prints them.
    pub fn keys_text(&self) -> Vec<u8> {
        if self.all_keys {
            return b"~*".to_vec();
        }
        space_separated(&self.patterns, |pattern, out| pattern.describe(out))
    }

    /// The channel patterns as `ACL GETUSER` prints them.
    pub fn channels_text(&self) -> Vec<u8> {
        if self.all_channels {
            return b"&*".to_vec();
        }
        space_separated(&self.channels, |channel, out| {
            out.push(b'&');
            out.extend_from_slice(channel);
        })
    }

    /// Redis's `ACLDescribeSelector`: keys, channels, then command rules.
    fn describe(&self, out: &mut Vec<u8>) {
        if self.all_keys {
            out.extend_from_slice(b"~* ");
        } else {
            for pattern in &self.patterns {
                pattern.describe(out);
                out.push(b' ');
            }
        }
        if self.all_channels {
            out.extend_from_slice(b"&* ");
        } else {
            out.extend_from_slice(b"resetchannels ");
            for channel in &self.channels {
                out.push(b'&');
                out.extend_from_slice(channel);
                out.push(b' ');
            }
        }
        out.extend_from_slice(self.describe_commands().as_bytes());
    }

    /// Redis's `ACLSelectorCheckCmd`.
    fn check(&self, route: &Route, argv: &[Bytes], keys: &mut KeyCache) -> Result<(), Denied> {
        if !self.all_commands && !route.has_flag(flags::NO_AUTH) && !self.bit(route.id) {
            let idx = if route.command.parent.is_empty() {
                1
            } else {
                2
            };
            let allowed_first = self
                .first_args
                .iter()
                .find(|(id, _)| *id == route.id)
                .is_some_and(|(_, args)| {
                    argv.get(idx)
                        .is_some_and(|arg| args.iter().any(|a| a.eq_ignore_ascii_case(arg)))
                });
            if !allowed_first {
                return Err(Denied::Command);
            }
        }
        if !self.all_keys {
            for &(pos, permissions) in keys.get(route, argv) {
                if !self.key_allowed(&argv[pos], permissions) {
                    return Err(Denied::Key(pos));
                }
            }
        }
        if !self.all_channels {
            for (pos, pattern) in channel_arguments(route, argv) {
                if !self.channel_allowed(&argv[pos], pattern) {
                    return Err(Denied::Channel(pos));
                }
            }
        }
        Ok(())
    }

    /// Redis's `ACLSelectorCheckKey`.
    pub fn key_allowed(&self, key: &[u8], permissions: u8) -> bool {
        self.all_keys
            || self.patterns.iter().any(|p| {
                p.permissions & permissions == permissions && glob_match(&p.pattern, key, false)
            })
    }

    /// Redis's `ACLCheckChannelAgainstList`: a channel matches the patterns; a pattern
    /// (PSUBSCRIBE) must equal one of them.
    fn channel_allowed(&self, channel: &[u8], is_pattern: bool) -> bool {
        self.all_channels
            || self.channels.iter().any(|p| {
                if is_pattern {
                    p == channel
                } else {
                    glob_match(p, channel, false)
                }
            })
    }

    pub fn all_channels(&self) -> bool {
        self.all_channels
    }

    pub fn channels(&self) -> &[Bytes] {
        &self.channels
    }
}

/// Each item as `describe` writes it, separated by single spaces.
fn space_separated<T>(items: &[T], mut describe: impl FnMut(&T, &mut Vec<u8>)) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        describe(item, &mut out);
    }
    out
}

/// The channel arguments of the commands Redis checks channels for (its
/// `commands_with_channels` with publish or subscribe access): (position, is a pattern).
fn channel_arguments(route: &Route, argv: &[Bytes]) -> Vec<(usize, bool)> {
    if !route.command.parent.is_empty() {
        return Vec::new();
    }
    match route.command.name {
        "subscribe" | "ssubscribe" => (1..argv.len()).map(|i| (i, false)).collect(),
        "psubscribe" => (1..argv.len()).map(|i| (i, true)).collect(),
        "publish" | "spublish" if argv.len() > 1 => vec![(1, false)],
        _ => Vec::new(),
    }
}

/// The keys of a command with the permissions each needs, found once for all selectors.
#[derive(Default)]
pub struct KeyCache {
    found: Option<Vec<(usize, u8)>>,
}

impl KeyCache {
    fn get(&mut self, route: &Route, argv: &[Bytes]) -> &[(usize, u8)] {
        self.found.get_or_insert_with(|| {
            let mut keys = Vec::new();
            if route.full_name == "sort" {
                // SORT's specs cannot be followed: Redis asks its `sortGetKeys`.
                for (pos, flags) in commands::sort::sort_keys(argv) {
                    keys.push((pos, spec_permissions(flags)));
                }
            } else if route.full_name == "set" {
                // SET's spec has variable flags: Redis asks its `setGetKeys`, which needs
                // read access only with the GET option.
                let get = argv[3.min(argv.len())..]
                    .iter()
                    .any(|a| a.eq_ignore_ascii_case(b"get"));
                keys.push((1, if get { READ | WRITE } else { WRITE }));
            } else if !route.key_specs.is_empty() {
                commands::meta::find_keys(route.key_specs, argv, |pos, spec| {
                    keys.push((pos, spec_permissions(route.key_specs[spec].flags)));
                });
            }
            keys
        })
    }
}

/// The permissions a key spec's flags ask for (Redis: access reads; insert, delete and
/// update write). Specs without such flags ask for none, so any pattern lets them through.
pub fn spec_permissions(spec_flags: &[&str]) -> u8 {
    let mut permissions = 0;
    for flag in spec_flags {
        match *flag {
            "access" => permissions |= READ,
            "insert" | "delete" | "update" => permissions |= WRITE,
            _ => {}
        }
    }
    permissions
}

/// Redis's `ACLLookupCommand`: `name` or `container|subcommand`, case-insensitively.
pub fn acl_lookup(name: &[u8]) -> Option<&'static Route> {
    commands::route(name)
}

/// Whether Redis refuses `s` in a user name or pattern: spaces or NUL bytes.
pub fn has_spaces(s: &[u8]) -> bool {
    s.iter()
        .any(|&b| b.is_ascii_whitespace() || b == 0 || b == 0x0b)
}

/// The SHA-256 of a password in lowercase hex, as Redis stores it.
pub fn hash_password(password: &[u8]) -> String {
    let digest = Sha256::digest(password);
    let mut hex = String::with_capacity(64);
    for byte in digest {
        hex.push(char::from_digit(u32::from(byte >> 4), 16).expect("nibble"));
        hex.push(char::from_digit(u32::from(byte & 15), 16).expect("nibble"));
    }
    hex
}

/// The hash a password rule names: of the clear text after `clear` (`>` or `<`), or the
/// hash itself after `#` / `!`.
fn password_rule_hash(op: &[u8], clear: u8) -> Result<String, RuleError> {
    if op[0] == clear {
        Ok(hash_password(&op[1..]))
    } else if valid_hash(&op[1..]) {
        Ok(String::from_utf8_lossy(&op[1..]).into_owned())
    } else {
        Err(RuleError::BadHash)
    }
}

fn valid_hash(hash: &[u8]) -> bool {
    hash.len() == 64 && hash.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A user's rules: flags, passwords and selectors (the first is the root selector).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub enabled: bool,
    pub nopass: bool,
    /// `sanitize-payload` (true), `skip-sanitize-payload` (false), or neither.
    pub sanitize_payload: Option<bool>,
    /// SHA-256 hashes in lowercase hex.
    pub passwords: Vec<String>,
    pub selectors: Vec<Selector>,
}

impl User {
    /// A new user: off, no password, no permissions (Redis's `ACLCreateUser`).
    pub fn new(pubsub_all: bool) -> User {
        User {
            enabled: false,
            nopass: false,
            sanitize_payload: None,
            passwords: Vec::new(),
            selectors: vec![Selector::new(pubsub_all)],
        }
    }

    /// The default user as Redis creates it: `on nopass ~* &* +@all`.
    pub fn default_user() -> User {
        let mut user = User::new(false);
        for op in ["+@all", "~*", "&*", "on", "nopass"] {
            user.apply(op.as_bytes(), false)
                .expect("valid default rules");
        }
        user
    }

    pub fn root(&self) -> &Selector {
        &self.selectors[0]
    }

    /// Whether the user may run anything on any key and channel (checks can be skipped).
    pub fn unrestricted(&self) -> bool {
        self.selectors.iter().any(Selector::unrestricted)
    }

    /// Applies one rule (Redis's `ACLSetUser`); `pubsub_all` is `acl-pubsub-default`.
    pub fn apply(&mut self, op: &[u8], pubsub_all: bool) -> Result<(), RuleError> {
        if op.is_empty() {
            return Ok(());
        }
        let is = |word: &str| op.eq_ignore_ascii_case(word.as_bytes());
        if is("on") {
            self.enabled = true;
        } else if is("off") {
            self.enabled = false;
        } else if is("skip-sanitize-payload") {
            self.sanitize_payload = Some(false);
        } else if is("sanitize-payload") {
            self.sanitize_payload = Some(true);
        } else if is("nopass") {
            self.nopass = true;
            self.passwords.clear();
        } else if is("resetpass") {
            self.nopass = false;
            self.passwords.clear();
        } else if op[0] == b'>' || op[0] == b'#' {
            let hash = password_rule_hash(op, b'>')?;
            if !self.passwords.contains(&hash) {
                self.passwords.push(hash);
            }
            self.nopass = false;
        } else if op[0] == b'<' || op[0] == b'!' {
            let hash = password_rule_hash(op, b'<')?;
            let pos = self
                .passwords
                .iter()
                .position(|p| *p == hash)
                .ok_or(RuleError::NoSuchPassword)?;
            self.passwords.remove(pos);
        } else if op[0] == b'(' && op[op.len() - 1] == b')' {
            let mut selector = Selector::new(pubsub_all);
            // Unbalanced quotes leave the selector empty, as Redis's sdssplitargs does.
            let inner = &op[1..op.len() - 1];
            for word in crate::resp::decoder::split_args(inner).unwrap_or_default() {
                selector.apply(&word)?;
            }
            self.selectors.push(selector);
        } else if is("clearselectors") {
            self.selectors.truncate(1);
        } else if is("reset") {
            for op in ["resetpass", "resetkeys", "resetchannels"] {
                self.apply(op.as_bytes(), pubsub_all)?;
            }
            if pubsub_all {
                self.apply(b"allchannels", pubsub_all)?;
            }
            for op in ["off", "sanitize-payload", "clearselectors", "-@all"] {
                self.apply(op.as_bytes(), pubsub_all)?;
            }
        } else {
            self.selectors[0].apply(op)?;
        }
        Ok(())
    }

    /// Redis's `ACLDescribeUser`: the rules that recreate this user (`ACL LIST`).
    pub fn describe(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let flags = [
            (self.enabled, "on"),
            (!self.enabled, "off"),
            (self.nopass, "nopass"),
            (
                self.sanitize_payload == Some(false),
                "skip-sanitize-payload",
            ),
            (self.sanitize_payload == Some(true), "sanitize-payload"),
        ];
        for (set, name) in flags {
            if set {
                out.extend_from_slice(name.as_bytes());
                out.push(b' ');
            }
        }
        for hash in &self.passwords {
            out.push(b'#');
            out.extend_from_slice(hash.as_bytes());
            out.push(b' ');
        }
        for (i, selector) in self.selectors.iter().enumerate() {
            if i == 0 {
                selector.describe(&mut out);
            } else {
                out.extend_from_slice(b" (");
                selector.describe(&mut out);
                out.push(b')');
            }
        }
        out
    }

    /// The flags `ACL GETUSER` lists.
    pub fn flag_names(&self) -> Vec<&'static str> {
        let mut names = vec![if self.enabled { "on" } else { "off" }];
        if self.nopass {
            names.push("nopass");
        }
        match self.sanitize_payload {
            Some(false) => names.push("skip-sanitize-payload"),
            Some(true) => names.push("sanitize-payload"),
            None => {}
        }
        names
    }

    /// Whether `password` opens this user (enabled, and nopass or a matching hash).
    pub fn accepts(&self, password: &[u8]) -> bool {
        if !self.enabled {
            return false;
        }
        if self.nopass {
            return true;
        }
        let hash = hash_password(password);
        // Compared in constant time per candidate, as Redis's time_independent_strcmp.
        self.passwords.iter().any(|p| {
            p.len() == hash.len()
                && p.bytes()
                    .zip(hash.bytes())
                    .fold(0u8, |diff, (a, b)| diff | (a ^ b))
                    == 0
        })
    }

    /// Redis's `ACLCheckAllUserCommandPerm`: allowed when any selector allows; otherwise
    /// the most relevant denial.
    pub fn check(&self, route: &Route, argv: &[Bytes]) -> Result<(), Denied> {
        let mut keys = KeyCache::default();
        let mut relevant = Denied::Command;
        for selector in &self.selectors {
            match selector.check(route, argv, &mut keys) {
                Ok(()) => return Ok(()),
                Err(denied) => {
                    if denied.rank() > relevant.rank() {
                        relevant = denied;
                    }
                }
            }
        }
        Err(relevant)
    }

    /// Redis's `ACLUserCheckCmdWithUnrestrictedKeyAccess`: whether a selector that allows
    /// this command also allows every key with `permissions` (`allkeys`, or a `*` pattern
    /// granting them). SORT's BY and GET read keys no key spec names, so they need it.
    pub fn unrestricted_key_access(&self, route: &Route, argv: &[Bytes], permissions: u8) -> bool {
        let mut keys = KeyCache::default();
        self.selectors.iter().any(|selector| {
            selector.check(route, argv, &mut keys).is_ok()
                && (selector.all_keys
                    || selector.patterns.iter().any(|p| {
                        p.permissions & permissions == permissions && &p.pattern[..] == b"*"
                    }))
        })
    }

    /// Whether a selector allows `route` with these keys (each with the permissions it
    /// needs) and channels: the check of a typed gRPC call, which has no argument vector.
    pub fn check_typed(
        &self,
        route: &Route,
        keys: &[(&[u8], u8)],
        channels: &[&[u8]],
    ) -> Result<(), Denied> {
        let mut relevant = Denied::Command;
        for selector in &self.selectors {
            let denied = if !selector.all_commands
                && !route.has_flag(flags::NO_AUTH)
                && !selector.bit(route.id)
            {
                Some(Denied::Command)
            } else if let Some(i) = keys
                .iter()
                .position(|(key, perms)| !selector.key_allowed(key, *perms))
            {
                Some(Denied::Key(i))
            } else {
                channels
                    .iter()
                    .position(|c| !selector.channel_allowed(c, false))
                    .map(Denied::Channel)
            };
            match denied {
                None => return Ok(()),
                Some(denied) if denied.rank() > relevant.rank() => relevant = denied,
                Some(_) => {}
            }
        }
        Err(relevant)
    }

    /// Whether some selector allows subscribing to / publishing on `channel`.
    pub fn channel_allowed(&self, channel: &[u8], is_pattern: bool) -> bool {
        self.selectors
            .iter()
            .any(|s| s.channel_allowed(channel, is_pattern))
    }
}

/// Redis's `ACLMergeSelectorArguments`: a selector may be spread over several arguments
/// (`(+get` `~key)`). Err(index of the opening argument) when a parenthesis is unmatched.
pub fn merge_selector_args(args: &[Bytes]) -> Result<Vec<Bytes>, usize> {
    let mut merged = Vec::with_capacity(args.len());
    let mut open: Option<(usize, Vec<u8>)> = None;
    for (i, arg) in args.iter().enumerate() {
        if let Some((_, selector)) = &mut open {
            selector.push(b' ');
            selector.extend_from_slice(arg);
            if arg.last() == Some(&b')') {
                let (_, selector) = open.take().expect("open selector");
                merged.push(Bytes::from(selector));
            }
            continue;
        }
        if arg.first() == Some(&b'(') && arg.last() != Some(&b')') {
            open = Some((i, arg.to_vec()));
            continue;
        }
        merged.push(arg.clone());
    }
    match open {
        Some((i, _)) => Err(i),
        None => Ok(merged),
    }
}
