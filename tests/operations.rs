//! Operating the server binary: `CONFIG SET loglevel` changes what the running process
//! logs.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Runs the binary at `loglevel`, sends `commands` (each as redis-cli would) and then
/// SHUTDOWN NOSAVE, and returns what it logged.
fn run(loglevel: &str, commands: &[&[&str]]) -> String {
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_memorabilia"))
        .args([
            "--port",
            &port.to_string(),
            "--grpc-port",
            "0",
            "--save",
            "",
        ])
        .args(["--loglevel", loglevel])
        .env_remove("RUST_LOG")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the server");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let mut stream = loop {
        if let Ok(s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            break s;
        }
        assert!(std::time::Instant::now() < deadline, "server did not start");
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut all: Vec<&[&str]> = commands.to_vec();
    all.push(&["SHUTDOWN", "NOSAVE"]);
    use std::io::{Read, Write};
    for argv in all {
        let mut out = format!("*{}\r\n", argv.len());
        for a in argv {
            out.push_str(&format!("${}\r\n{a}\r\n", a.len()));
        }
        stream.write_all(out.as_bytes()).unwrap();
        let mut buf = [0u8; 256];
        let _ = stream.read(&mut buf);
    }
    let mut logged = String::new();
    for pipe in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read>,
        Box::new(child.stderr.take().unwrap()),
    ] {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            logged.push_str(&line);
            logged.push('\n');
        }
    }
    child.wait().unwrap();
    logged
}

#[test]
fn config_set_loglevel_changes_the_running_filter() {
    // At `warning`, SHUTDOWN's notice is not logged...
    let quiet = run("warning", &[]);
    assert!(!quiet.contains("User requested shutdown"), "{quiet}");
    // ...until CONFIG SET lowers the level.
    let loud = run("warning", &[&["CONFIG", "SET", "loglevel", "notice"]]);
    assert!(loud.contains("User requested shutdown"), "{loud}");
}
