//! Access control as Redis 7.0 does it: the users (`default` and those made by `ACL
//! SETUSER`, `user` lines of the config file or the `aclfile`), authentication, the check
//! every command of either front end passes in the execution path, and the ACL log.
//!
//! A client refers to a [`UserHandle`]; changing a user (`ACL SETUSER`) replaces the
//! handle's rules, so its clients see the change with their next command, as Redis's
//! clients share the user struct. While the only user is an unrestricted `nopass`
//! `default`, the whole check is one atomic load ([`Acl::open`]).

pub mod rules;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, VecDeque};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use bytes::Bytes;
use parking_lot::{Mutex, RwLock};

pub use rules::{Denied, RuleError, User};

/// A user as clients hold it: its name and its current rules.
#[derive(Debug)]
pub struct UserHandle {
    pub name: Bytes,
    rules: RwLock<Arc<User>>,
    /// Whether its rules allow everything: the check is skipped.
    unrestricted: AtomicBool,
}

impl UserHandle {
    fn new(name: Bytes, user: User) -> Arc<UserHandle> {
        let unrestricted = AtomicBool::new(user.unrestricted());
        Arc::new(UserHandle {
            name,
            rules: RwLock::new(Arc::new(user)),
            unrestricted,
        })
    }

    pub fn rules(&self) -> Arc<User> {
        self.rules.read().clone()
    }

    fn replace(&self, user: User) {
        self.unrestricted
            .store(user.unrestricted(), Ordering::Relaxed);
        *self.rules.write() = Arc::new(user);
    }

    pub fn unrestricted(&self) -> bool {
        self.unrestricted.load(Ordering::Relaxed)
    }
}

/// Where a denied command was running (ACL LOG's `context`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Toplevel,
    Multi,
    Lua,
}

impl Context {
    fn name(self) -> &'static str {
        match self {
            Context::Toplevel => "toplevel",
            Context::Multi => "multi",
            Context::Lua => "lua",
        }
    }
}

/// Why an entry is in the ACL log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    Command,
    Key,
    Channel,
    Auth,
}

impl Reason {
    pub fn name(self) -> &'static str {
        match self {
            Reason::Command => "command",
            Reason::Key => "key",
            Reason::Channel => "channel",
            Reason::Auth => "auth",
        }
    }
}

/// One ACL LOG entry (similar denials within a minute are counted in one).
#[derive(Debug, Clone)]
pub struct LogEntry {
    pub count: u64,
    pub reason: Reason,
    pub context: Context,
    pub object: Bytes,
    pub username: Bytes,
    pub ctime_ms: u64,
    pub client_info: String,
}

impl LogEntry {
    pub fn context_name(&self) -> &'static str {
        self.context.name()
    }
}

/// Denials within this many milliseconds of a similar entry are counted in it.
const LOG_GROUPING_MS: u64 = 60_000;

/// `INFO stats` counters of refused authentications and commands.
#[derive(Default)]
pub struct DeniedStats {
    pub auth: AtomicU64,
    pub command: AtomicU64,
    pub key: AtomicU64,
    pub channel: AtomicU64,
}

/// The user registry, the ACL log and the settings they follow.
pub struct Acl {
    /// By name; sorted as Redis's radix tree lists them.
    users: RwLock<BTreeMap<Bytes, Arc<UserHandle>>>,
    default: Arc<UserHandle>,
    /// No check can fail: only `default` exists, unrestricted, `nopass` and on.
    open: AtomicBool,
    /// The default user needs a password (it is not `nopass`, or it is off): clients that
    /// have not authenticated may only run `AUTH`, `HELLO` and the like.
    requires_auth: AtomicBool,
    log: Mutex<VecDeque<LogEntry>>,
    log_max_len: AtomicUsize,
    /// `acl-pubsub-default allchannels`: new users and selectors start with `&*`.
    pubsub_all: AtomicBool,
    pub denied: DeniedStats,
}

impl Default for Acl {
    fn default() -> Acl {
        let default = UserHandle::new(Bytes::from_static(b"default"), User::default_user());
        let mut users = BTreeMap::new();
        users.insert(default.name.clone(), default.clone());
        let acl = Acl {
            users: RwLock::new(users),
            default,
            open: AtomicBool::new(true),
            requires_auth: AtomicBool::new(false),
            log: Mutex::new(VecDeque::new()),
            log_max_len: AtomicUsize::new(128),
            pubsub_all: AtomicBool::new(false),
            denied: DeniedStats::default(),
        };
        acl.refresh();
        acl
    }
}

impl Acl {
    /// Follows `acllog-max-len` and `acl-pubsub-default`.
    pub fn configure(&self, log_max_len: usize, pubsub_all: bool) {
        self.log_max_len.store(log_max_len, Ordering::Relaxed);
        self.pubsub_all.store(pubsub_all, Ordering::Relaxed);
        let mut log = self.log.lock();
        log.truncate(log_max_len);
    }

    pub fn pubsub_all(&self) -> bool {
        self.pubsub_all.load(Ordering::Relaxed)
    }

    /// Whether nothing needs checking: every client is an unrestricted default user.
    #[inline]
    pub fn open(&self) -> bool {
        self.open.load(Ordering::Relaxed)
    }

    /// Whether a client that has not authenticated must do so first.
    #[inline]
    pub fn requires_auth(&self) -> bool {
        self.requires_auth.load(Ordering::Relaxed)
    }

    /// Recomputes the shortcuts after any change of users.
    fn refresh(&self) {
        let users = self.users.read();
        let default = self.default.rules();
        let requires_auth = !default.nopass || !default.enabled;
        self.requires_auth.store(requires_auth, Ordering::Relaxed);
        let open = users.len() == 1 && !requires_auth && default.unrestricted();
        self.open.store(open, Ordering::Relaxed);
    }

    pub fn default_user(&self) -> &Arc<UserHandle> {
        &self.default
    }

    /// The user a client runs as, given what it holds (`None`: the default user).
    pub fn user_or_default(&self, user: Option<Arc<UserHandle>>) -> Arc<UserHandle> {
        user.unwrap_or_else(|| self.default.clone())
    }

    pub fn user(&self, name: &[u8]) -> Option<Arc<UserHandle>> {
        self.users.read().get(name).cloned()
    }

    /// All users, by name.
    pub fn users(&self) -> Vec<Arc<UserHandle>> {
        self.users.read().values().cloned().collect()
    }

    /// Redis's `ACLCheckUserCredentials`: the user these credentials open.
    pub fn check_credentials(&self, name: &[u8], password: &[u8]) -> Option<Arc<UserHandle>> {
        let handle = self.user(name)?;
        handle.rules().accepts(password).then_some(handle)
    }

    /// `requirepass`: the default user's one password, or `nopass` when empty (Redis's
    /// `ACLUpdateDefaultUserPassword`).
    pub fn set_default_password(&self, password: &[u8]) {
        let mut user = (*self.default.rules()).clone();
        let pubsub_all = self.pubsub_all();
        user.apply(b"resetpass", pubsub_all).expect("valid rule");
        if password.is_empty() {
            user.apply(b"nopass", pubsub_all).expect("valid rule");
        } else {
            let mut op = b">".to_vec();
            op.extend_from_slice(password);
            user.apply(&op, pubsub_all).expect("valid rule");
        }
        self.default.replace(user);
        self.refresh();
    }

    /// Redis's `ACLStringSetUser`: applies `ops` to the user `name` (created when missing)
    /// all or nothing. Returns the handle and its rules before (None for a new user).
    pub fn set_user(
        &self,
        name: &[u8],
        ops: &[Bytes],
    ) -> Result<(Arc<UserHandle>, Option<Arc<User>>), String> {
        let ops = rules::merge_selector_args(ops).map_err(|i| {
            format!(
                "Unmatched parenthesis in acl selector starting at '{}'.",
                String::from_utf8_lossy(&ops[i])
            )
        })?;
        let pubsub_all = self.pubsub_all();
        // The write lock makes concurrent SETUSERs of one user apply one after the other.
        let mut users = self.users.write();
        let existing = users.get(name).cloned();
        let before = existing.as_ref().map(|h| h.rules());
        let mut user = match &before {
            Some(rules) => (**rules).clone(),
            None => User::new(pubsub_all),
        };
        for op in &ops {
            user.apply(op, pubsub_all).map_err(|e| {
                format!(
                    "Error in ACL SETUSER modifier '{}': {}",
                    String::from_utf8_lossy(op),
                    e.message()
                )
            })?;
        }
        let handle = match existing {
            Some(handle) => {
                handle.replace(user);
                handle
            }
            None => {
                let handle = UserHandle::new(Bytes::copy_from_slice(name), user);
                users.insert(handle.name.clone(), handle.clone());
                handle
            }
        };
        drop(users);
        self.refresh();
        Ok((handle, before))
    }

    /// Removes users (never `default`); returns the removed handles.
    pub fn delete_users(&self, names: &[Bytes]) -> Vec<Arc<UserHandle>> {
        let removed = {
            let mut users = self.users.write();
            names.iter().filter_map(|n| users.remove(n)).collect()
        };
        self.refresh();
        removed
    }

    /// Users from `user` lines of the config file, applied at start-up. Unknown commands
    /// are errors here, as in Redis's `ACLLoadConfiguredUsers`.
    pub fn load_config_users(&self, lines: &[Vec<Bytes>]) -> Result<(), String> {
        for line in lines {
            let (name, ops) = line.split_first().ok_or("user line without a name")?;
            if rules::has_spaces(name) {
                return Err("Spaces not allowed in ACL usernames".into());
            }
            if name.as_ref() == b"default" {
                // The default user is reset before its line applies.
                self.set_user(name, &[Bytes::from_static(b"reset")])?;
            }
            let ops = rules::merge_selector_args(ops)
                .map_err(|_| "Unmatched parenthesis in selector definition".to_string())?;
            let pubsub_all = self.pubsub_all();
            let mut user = match self.user(name) {
                Some(handle) => (*handle.rules()).clone(),
                None => User::new(pubsub_all),
            };
            for op in &ops {
                user.apply(op, pubsub_all).map_err(|e| {
                    format!(
                        "Error loading ACL rule '{}' for the user named '{}': {}",
                        String::from_utf8_lossy(op),
                        String::from_utf8_lossy(name),
                        e.message()
                    )
                })?;
            }
            if !user.enabled {
                tracing::info!(
                    "The user '{}' is disabled (there is no 'on' modifier in the user \
                     description). Make sure this is not a configuration error.",
                    String::from_utf8_lossy(name)
                );
            }
            self.install(name, user);
        }
        Ok(())
    }

    fn install(&self, name: &[u8], user: User) {
        let mut users = self.users.write();
        match users.get(name) {
            Some(handle) => handle.replace(user),
            None => {
                let handle = UserHandle::new(Bytes::copy_from_slice(name), user);
                users.insert(handle.name.clone(), handle);
            }
        }
        drop(users);
        self.refresh();
    }

    /// Redis's `ACLLoadFromFile`: every line is checked first; on any error nothing
    /// changes and the error lists the problems. On success the users are replaced (the
    /// default user keeps its handle) and the handles of the users before are returned:
    /// their clients must go.
    pub fn load_file(&self, path: &Path) -> Result<Vec<Arc<UserHandle>>, String> {
        let shown = path.display().to_string();
        let text = std::fs::read(path).map_err(|e| {
            format!(
                "Error loading ACLs, opening file '{shown}': {}",
                strerror(&e)
            )
        })?;
        let pubsub_all = self.pubsub_all();
        let mut loaded: BTreeMap<Bytes, User> = BTreeMap::new();
        let mut errors = String::new();
        for (i, line) in text.split(|&b| b == b'\n').enumerate() {
            let linenum = i + 1;
            let line = trim(line, b" \t\r\n");
            if line.is_empty() {
                continue;
            }
            let words: Vec<&[u8]> = line.split(|&b| b == b' ').collect();
            if words[0] != b"user" || words.len() < 2 {
                errors.push_str(&format!(
                    "{shown}:{linenum} should start with user keyword followed by the \
                     username. "
                ));
                continue;
            }
            let name = words[1];
            if rules::has_spaces(name) {
                errors.push_str(&format!(
                    "'{shown}:{linenum}: username '{}' contains invalid characters. ",
                    String::from_utf8_lossy(name)
                ));
                continue;
            }
            if loaded.contains_key(name) {
                errors.push_str(&format!(
                    "WARNING: Duplicate user '{}' found on line {linenum}. ",
                    String::from_utf8_lossy(name)
                ));
                continue;
            }
            let ops: Vec<Bytes> = words[2..]
                .iter()
                .map(|w| Bytes::copy_from_slice(w))
                .collect();
            let ops = match rules::merge_selector_args(&ops) {
                Ok(ops) => ops,
                Err(_) => {
                    errors.push_str(&format!(
                        "{shown}:{linenum}: Unmatched parenthesis in selector definition."
                    ));
                    Vec::new()
                }
            };
            let mut user = User::new(pubsub_all);
            let mut syntax_error = false;
            for op in &ops {
                let op = trim(op, b"\t\r\n");
                if let Err(e) = user.apply(op, pubsub_all) {
                    if e == RuleError::UnknownCommand {
                        errors.push_str(&format!(
                            "{shown}:{linenum}: Error in applying operation '{}': {}. ",
                            String::from_utf8_lossy(op),
                            e.message()
                        ));
                    } else if !syntax_error {
                        errors.push_str(&format!("{shown}:{linenum}: {}. ", e.message()));
                        syntax_error = true;
                    }
                }
            }
            loaded.insert(Bytes::copy_from_slice(name), user);
        }
        if !errors.is_empty() {
            errors.push_str(
                "WARNING: ACL errors detected, no change to the previously active ACL rules \
                 was performed",
            );
            return Err(errors);
        }
        let new_default = loaded
            .remove(b"default".as_slice())
            .unwrap_or_else(User::default_user);
        let old = {
            let mut users = self.users.write();
            let old: Vec<Arc<UserHandle>> = users
                .values()
                .filter(|h| !Arc::ptr_eq(h, &self.default))
                .cloned()
                .collect();
            users.clear();
            self.default.replace(new_default);
            users.insert(self.default.name.clone(), self.default.clone());
            for (name, user) in loaded {
                users.insert(name.clone(), UserHandle::new(name, user));
            }
            old
        };
        self.refresh();
        Ok(old)
    }

    /// The `ACL LIST` lines (also the `aclfile` format).
    pub fn list(&self) -> Vec<Vec<u8>> {
        self.users()
            .iter()
            .map(|handle| {
                let mut line = b"user ".to_vec();
                line.extend_from_slice(&handle.name);
                line.push(b' ');
                line.extend_from_slice(&handle.rules().describe());
                line
            })
            .collect()
    }

    /// Redis's `ACLSaveToFile`: a temporary file renamed over `path`.
    pub fn save_file(&self, path: &Path) -> std::io::Result<()> {
        let mut text = Vec::new();
        for line in self.list() {
            text.extend_from_slice(&line);
            text.push(b'\n');
        }
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(format!(
            ".tmp-{}-{}",
            std::process::id(),
            crate::store::clock::Moment::now().unix_ms()
        ));
        let tmp = std::path::PathBuf::from(tmp);
        let result = std::fs::write(&tmp, &text).and_then(|()| std::fs::rename(&tmp, path));
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }

    /// Redis's protected mode: with `protected-mode yes` and no password for the default
    /// user, only loopback clients are served; others get this text and are closed.
    pub fn protected_mode_refusal(
        &self,
        protected: bool,
        peer: Option<std::net::SocketAddr>,
    ) -> Option<&'static str> {
        let peer = peer?;
        if !protected || peer.ip().is_loopback() {
            return None;
        }
        self.default
            .rules()
            .nopass
            .then_some(PROTECTED_MODE_REFUSAL)
    }

    /// Redis's `addACLLogEntry`: a similar entry of the last ten (same reason, context,
    /// object and user, within a minute) is counted and moved to the front instead.
    pub fn log(&self, mut entry: LogEntry) {
        match entry.reason {
            Reason::Auth => &self.denied.auth,
            Reason::Command => &self.denied.command,
            Reason::Key => &self.denied.key,
            Reason::Channel => &self.denied.channel,
        }
        .fetch_add(1, Ordering::Relaxed);
        let mut log = self.log.lock();
        let similar = log.iter().take(10).position(|e| {
            e.reason == entry.reason
                && e.context == entry.context
                && e.ctime_ms.abs_diff(entry.ctime_ms) <= LOG_GROUPING_MS
                && e.object == entry.object
                && e.username == entry.username
        });
        if let Some(pos) = similar {
            let mut existing = log.remove(pos).expect("position in range");
            existing.count += 1;
            existing.ctime_ms = entry.ctime_ms;
            existing.client_info = std::mem::take(&mut entry.client_info);
            log.push_front(existing);
        } else {
            log.push_front(entry);
            log.truncate(self.log_max_len.load(Ordering::Relaxed));
        }
    }

    /// The newest `count` entries, newest first.
    pub fn log_entries(&self, count: usize) -> Vec<LogEntry> {
        self.log.lock().iter().take(count).cloned().collect()
    }

    pub fn reset_log(&self) {
        self.log.lock().clear();
    }
}

/// An I/O error as C's `strerror` words it ("No such file or directory").
fn strerror(error: &std::io::Error) -> String {
    let text = error.to_string();
    match text.find(" (os error") {
        Some(end) => text[..end].to_string(),
        None => text,
    }
}

fn trim<'a>(mut s: &'a [u8], set: &[u8]) -> &'a [u8] {
    while let Some((first, rest)) = s.split_first() {
        if !set.contains(first) {
            break;
        }
        s = rest;
    }
    while let Some((last, rest)) = s.split_last() {
        if !set.contains(last) {
            break;
        }
        s = rest;
    }
    s
}

/// The error text of a denied command (Redis's `processCommand`).
pub fn denied_error(denied: Denied, full_name: &str) -> String {
    match denied {
        Denied::Command => {
            format!("NOPERM this user has no permissions to run the '{full_name}' command")
        }
        Denied::Key(_) => "NOPERM this user has no permissions to access one of the keys used \
                           as arguments"
            .into(),
        Denied::Channel(_) => "NOPERM this user has no permissions to access one of the \
                               channels used as arguments"
            .into(),
    }
}

impl Denied {
    pub fn reason(self) -> Reason {
        match self {
            Denied::Command => Reason::Command,
            Denied::Key(_) => Reason::Key,
            Denied::Channel(_) => Reason::Channel,
        }
    }
}

/// Redis's protected-mode explanation.
pub const PROTECTED_MODE_REFUSAL: &str = "DENIED Redis is running in protected mode because \
    protected mode is enabled and no password is set for the default user. In this mode \
    connections are only accepted from the loopback interface. If you want to connect from \
    external computers to Redis you may adopt one of the following solutions: 1) Just \
    disable protected mode sending the command 'CONFIG SET protected-mode no' from the \
    loopback interface by connecting to Redis from the same host the server is running, \
    however MAKE SURE Redis is not publicly accessible from internet if you do so. Use \
    CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the \
    protected mode by editing the Redis configuration file, and setting the protected mode \
    option to 'no', and then restarting the server. 3) If you started the server manually \
    just for testing, restart it with the '--protected-mode no' option. 4) Setup a an \
    authentication password for the default user. NOTE: You only need to do one of the \
    above things in order for the server to start accepting connections from the outside.";
