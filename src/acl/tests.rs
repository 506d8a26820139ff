//! Unit tests of the rules, their descriptions, checks, files and the log.

use bytes::Bytes;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use super::rules::{self, Selector};
use super::*;
use crate::commands;

fn words(text: &str) -> Vec<Bytes> {
    text.split(' ')
        .filter(|w| !w.is_empty())
        .map(|w| Bytes::copy_from_slice(w.as_bytes()))
        .collect()
}

fn user(rules_text: &str) -> User {
    let mut user = User::new(false);
    for op in rules::merge_selector_args(&words(rules_text)).unwrap() {
        user.apply(&op, false).unwrap();
    }
    user
}

fn check(user: &User, command: &str) -> Result<(), Denied> {
    let argv = words(command);
    let route = commands::resolve(&argv).map_err(|e| e.1).unwrap();
    user.check(route, &argv)
}

#[test]
fn default_and_new_users_describe_as_redis() {
    assert_eq!(
        User::default_user().describe(),
        b"on nopass ~* &* +@all".to_vec()
    );
    assert_eq!(
        User::new(false).describe(),
        b"off resetchannels -@all".to_vec()
    );
    assert_eq!(User::new(true).describe(), b"off &* -@all".to_vec());
    let mut reset = User::default_user();
    reset.apply(b"reset", false).unwrap();
    assert_eq!(
        reset.describe(),
        b"off sanitize-payload resetchannels -@all".to_vec()
    );
}

#[test]
fn rules_and_their_errors() {
    let mut u = User::new(false);
    for (op, error) in [
        ("bogus", RuleError::Syntax),
        ("+nosuch", RuleError::UnknownCommand),
        ("+@nosuch", RuleError::UnknownCommand),
        ("#abc", RuleError::BadHash),
        ("<never", RuleError::NoSuchPassword),
        ("%", RuleError::Syntax),
        ("%X~k", RuleError::Syntax),
        ("+client|id|x", RuleError::FirstArgOfSubcommand),
        ("+select|", RuleError::Syntax),
        ("-select|0", RuleError::UnknownCommand),
        ("+config|nosuch", RuleError::UnknownCommand),
    ] {
        assert_eq!(u.apply(op.as_bytes(), false), Err(error), "{op}");
    }
    u.apply(b"~*", false).unwrap();
    assert_eq!(u.apply(b"~k", false), Err(RuleError::KeyAfterAll));
    u.apply(b"&*", false).unwrap();
    assert_eq!(u.apply(b"&c", false), Err(RuleError::ChannelAfterAll));
    // Passwords: added once, removed by clear text or hash, nopass clears them.
    u.apply(b">pw", false).unwrap();
    u.apply(b">pw", false).unwrap();
    assert_eq!(u.passwords, [rules::hash_password(b"pw")]);
    let hash = format!("!{}", rules::hash_password(b"pw"));
    u.apply(hash.as_bytes(), false).unwrap();
    assert!(u.passwords.is_empty());
    assert_eq!(
        rules::hash_password(b"pw"),
        "30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4"
    );
}

#[test]
fn descriptions_reproduce_the_bitmap() {
    // Whatever rules made a selector, applying its description to a fresh one gives the
    // same permissions (Redis asserts the same of its description).
    let pool = [
        "+@all",
        "-@all",
        "+@read",
        "-@write",
        "+@hash",
        "-@string",
        "+@admin",
        "-@fast",
        "+@slow",
        "-@dangerous",
        "+get",
        "-get",
        "+client",
        "-client|kill",
        "+config|get",
        "+select|0",
        "+select|1",
        "-@keyspace",
        "+@pubsub",
        "-@list",
        "+lpush",
        "+@stream",
    ];
    let mut rng = SmallRng::seed_from_u64(7);
    for _ in 0..300 {
        let mut selector = Selector::new(false);
        for _ in 0..rng.random_range(1..6) {
            let op = pool[rng.random_range(0..pool.len())];
            selector.apply(op.as_bytes()).unwrap();
        }
        let text = selector.describe_commands();
        let mut again = Selector::new(false);
        for op in text.split(' ') {
            again.apply(op.as_bytes()).unwrap();
        }
        assert_eq!(again.describe_commands(), text);
        for route in commands::all_routes() {
            let mut u1 = User::new(false);
            u1.selectors[0] = selector.clone();
            let mut u2 = User::new(false);
            u2.selectors[0] = again.clone();
            let args: Vec<Bytes> = route
                .full_name
                .split('|')
                .map(|w| Bytes::copy_from_slice(w.as_bytes()))
                .chain(std::iter::once(Bytes::from_static(b"0")))
                .collect();
            assert_eq!(
                u1.check(route, &args).is_ok(),
                u2.check(route, &args).is_ok(),
                "{} after {text}",
                route.full_name
            );
        }
    }
}

#[test]
fn commands_keys_and_channels_are_checked() {
    let u = user("on +get +set +mget +publish +psubscribe +client|id ~both* %R~r* %W~w* &news*");
    assert_eq!(check(&u, "GET r1"), Ok(()));
    assert_eq!(check(&u, "GET w1"), Err(Denied::Key(1)));
    // A plain SET only writes (Redis's `setGetKeys`); SET ... GET also reads.
    assert_eq!(check(&u, "SET w1 v"), Ok(()));
    assert_eq!(check(&u, "SET w1 v GET"), Err(Denied::Key(1)));
    assert_eq!(check(&u, "SET r1 v"), Err(Denied::Key(1)));
    assert_eq!(check(&u, "MGET r1 both w1"), Err(Denied::Key(3)));
    assert_eq!(check(&u, "DEL r1"), Err(Denied::Command));
    assert_eq!(check(&u, "CLIENT ID"), Ok(()));
    assert_eq!(check(&u, "CLIENT LIST"), Err(Denied::Command));
    assert_eq!(check(&u, "PUBLISH news1 m"), Ok(()));
    assert_eq!(check(&u, "PUBLISH other m"), Err(Denied::Channel(1)));
    // A pattern must equal a channel rule; it is not matched against it.
    assert_eq!(check(&u, "PSUBSCRIBE news*"), Ok(()));
    assert_eq!(check(&u, "PSUBSCRIBE news1"), Err(Denied::Channel(1)));
    // AUTH and the other no_auth commands need no permission.
    assert_eq!(check(&u, "AUTH x y"), Ok(()));
}

#[test]
fn selectors_and_first_arguments() {
    let u = user("on +get ~a* (+set ~b*) (%R~c* +@read)");
    assert_eq!(check(&u, "GET a1"), Ok(()));
    assert_eq!(check(&u, "SET b1 v"), Ok(()));
    assert_eq!(check(&u, "GET c1"), Ok(()));
    // The most relevant denial: every selector refused; a key beats a command.
    assert_eq!(check(&u, "SET c1 v"), Err(Denied::Key(1)));
    assert_eq!(check(&u, "DEL a1"), Err(Denied::Command));
    let u = user("on -@all +select|0 +config|get");
    assert_eq!(check(&u, "SELECT 0"), Ok(()));
    assert_eq!(check(&u, "SELECT 1"), Err(Denied::Command));
    assert_eq!(check(&u, "CONFIG GET x"), Ok(()));
    assert_eq!(check(&u, "CONFIG SET x y"), Err(Denied::Command));
    assert_eq!(u.root().describe_commands(), "-@all +select|0 +config|get");
}

#[test]
fn unmatched_selector_parentheses() {
    assert_eq!(rules::merge_selector_args(&words("on (+get ~a")), Err(1));
    assert_eq!(
        rules::merge_selector_args(&words("on (+get ~a) (+set")),
        Err(3)
    );
    assert_eq!(
        rules::merge_selector_args(&words("on (+get ~a)")).unwrap(),
        [Bytes::from("on"), Bytes::from("(+get ~a)")]
    );
}

#[test]
fn set_user_is_all_or_nothing() {
    let acl = Acl::default();
    acl.set_user(b"u", &words("on >pw +get")).unwrap();
    let error = acl.set_user(b"u", &words("off +nosuch")).unwrap_err();
    assert_eq!(
        error,
        "Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL"
    );
    assert!(acl.user(b"u").unwrap().rules().enabled);
    assert!(acl.check_credentials(b"u", b"pw").is_some());
    assert!(acl.check_credentials(b"u", b"no").is_none());
    assert!(!acl.open());
    assert_eq!(acl.delete_users(&words("u nosuch")).len(), 1);
    assert!(acl.open());
}

#[test]
fn requirepass_closes_and_opens_the_default_user() {
    let acl = Acl::default();
    assert!(acl.open() && !acl.requires_auth());
    acl.set_default_password(b"secret");
    assert!(acl.requires_auth() && !acl.open());
    assert!(acl.check_credentials(b"default", b"secret").is_some());
    assert!(acl.check_credentials(b"default", b"other").is_none());
    acl.set_default_password(b"");
    assert!(acl.open());
}

#[test]
fn acl_files_load_all_or_nothing_and_save() {
    let dir = std::env::temp_dir().join(format!("memorabilia-acl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("users.acl");
    let acl = Acl::default();
    acl.set_user(b"old", &words("on nopass")).unwrap();
    std::fs::write(
        &path,
        "user alice on >pw ~* +@all\n\nuser default on nopass ~* &* +@all\nbad line\nuser bob +nosuch\nuser alice on\n",
    )
    .unwrap();
    let error = acl.load_file(&path).unwrap_err();
    let shown = path.display();
    assert_eq!(
        error,
        format!(
            "{shown}:4 should start with user keyword followed by the username. \
             {shown}:5: Error in applying operation '+nosuch': Unknown command or category \
             name in ACL. WARNING: Duplicate user 'alice' found on line 6. WARNING: ACL errors \
             detected, no change to the previously active ACL rules was performed"
        )
    );
    assert!(acl.user(b"old").is_some());
    std::fs::write(&path, "user alice on >pw ~* +@all\n").unwrap();
    let old = acl.load_file(&path).unwrap();
    assert_eq!(old.len(), 1);
    assert!(acl.user(b"old").is_none());
    // No default line: the default user is recreated as Redis creates it.
    assert_eq!(
        acl.list()[1],
        b"user default on nopass ~* &* +@all".to_vec()
    );
    acl.save_file(&path).unwrap();
    let saved = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        saved,
        "user alice on #30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4 ~* \
         resetchannels +@all\nuser default on nopass ~* &* +@all\n"
    );
    let missing = acl.load_file(&dir.join("nosuch")).unwrap_err();
    assert!(missing.ends_with("No such file or directory"), "{missing}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_log_groups_similar_denials_and_keeps_its_length() {
    let acl = Acl::default();
    acl.configure(3, false);
    let entry = |object: &'static str, ctime_ms: u64| LogEntry {
        count: 1,
        reason: Reason::Key,
        context: Context::Toplevel,
        object: Bytes::from_static(object.as_bytes()),
        username: Bytes::from_static(b"u"),
        ctime_ms,
        client_info: String::new(),
    };
    acl.log(entry("a", 1000));
    acl.log(entry("b", 1000));
    acl.log(entry("a", 2000));
    let entries = acl.log_entries(10);
    assert_eq!(entries.len(), 2);
    assert_eq!((&entries[0].object[..], entries[0].count), (&b"a"[..], 2));
    // More than a minute later: a new entry.
    acl.log(entry("a", 2000 + LOG_GROUPING_MS + 1));
    acl.log(entry("c", 100_000));
    acl.log(entry("d", 100_000));
    assert_eq!(acl.log_entries(10).len(), 3);
    acl.reset_log();
    assert!(acl.log_entries(10).is_empty());
}
