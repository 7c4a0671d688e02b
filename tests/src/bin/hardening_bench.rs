//! What hostile requests cost a generated server, and how soon slow
//! clients are cut off.
//!
//! ```sh
//! cargo run --release -p tests --bin hardening-bench -- [--quick] [--json]
//! ```
//!
//! The server (the `limits` and `server_rules` cases, served by
//! `support::server::serve`) runs as a child process, so its CPU time is
//! read from `/proc` alone, without the client's. It measures:
//!
//! - **Unknown keys**: a JSON body of *n* keys the schema does not name, for
//!   *n* from 1,000 up to what the body limit (8 MiB here) holds, against a
//!   schema that admits them and one that refuses them. For each *n*,
//!   requests are repeated until the server spent at least 0.3 s of CPU;
//!   the table gives CPU per request and per 1,000 keys. Linear work keeps
//!   the second column flat.
//! - **uniqueItems**: the same for a list of *n* distinct items.
//! - **Slow clients** (header timeout 2 s, body timeout 3 s, idle timeout
//!   2 s, set for the run): how long a client sending its headers one byte
//!   a second, its body one byte a second, nothing at all, or nothing after
//!   a response, is kept before the server cuts it off; and the latency of
//!   a normal request while 100 such clients drip.
//!
//! Progress goes to stderr, the table to stdout; with `--json` the last
//! line is `hardening: {...}`. `--quick` measures fewer sizes.

use job_apis::support::server::{serve, ServerConfig};
use serde_json::{json, Value};
use std::io::{BufRead, Write as _};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tests::hostile::{Limits, Rules};
use tests::{limits, server_rules};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const BODY_LIMIT: usize = 8 << 20;
const HEADER_TIMEOUT: Duration = Duration::from_secs(2);
const BODY_TIMEOUT: Duration = Duration::from_secs(3);
const IDLE_TIMEOUT: Duration = Duration::from_secs(2);

fn config() -> ServerConfig {
    ServerConfig {
        body_limit: BODY_LIMIT,
        header_timeout: HEADER_TIMEOUT,
        body_timeout: BODY_TIMEOUT,
        idle_timeout: IDLE_TIMEOUT,
        ..Default::default()
    }
}

/// The child: serves both cases and prints their addresses.
async fn run_server() {
    let mut addresses = Vec::new();
    for router in [limits::server::router(Limits, config()), server_rules::server::router(Rules, config())] {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        addresses.push(listener.local_addr().expect("addr").to_string());
        tokio::spawn(async move {
            let _ = serve(listener, router, &config()).await;
        });
    }
    println!("{}", addresses.join(" "));
    let _ = std::io::stdout().flush();
    std::future::pending::<()>().await;
}

/// CPU seconds a process has used (user and system), from `/proc`.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) end with `)`.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = [11, 12].iter().filter_map(|&i| fields.get(i)?.parse::<f64>().ok()).sum();
    // SAFETY: sysconf has no preconditions.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    ticks / per_second.max(1.0)
}

/// Sends `body` until the server spent `min_cpu` seconds on it; returns
/// the CPU microseconds per request and the statuses seen.
async fn cpu_per_request(pid: u32, http: &reqwest::Client, url: &str, body: &[u8], min_cpu: f64) -> (f64, Vec<u16>) {
    let mut statuses = Vec::new();
    let start = cpu_seconds(pid);
    let mut requests = 0u32;
    loop {
        let response = http
            .post(url)
            .header("content-type", "application/json")
            .header("authorization", "Bearer x")
            .header("x-trace", "6f1c2a3b-4d5e-4f60-8a9b-0c1d2e3f4a5b")
            .body(body.to_vec())
            .send()
            .await;
        match response {
            Ok(r) => {
                let status = r.status().as_u16();
                let _ = r.bytes().await;
                if !statuses.contains(&status) {
                    statuses.push(status);
                }
            }
            Err(e) => {
                eprintln!("request failed: {e}");
                statuses.push(0);
            }
        }
        requests += 1;
        let used = cpu_seconds(pid) - start;
        if (used >= min_cpu && requests >= 3) || requests >= 5000 {
            return (used / f64::from(requests) * 1e6, statuses);
        }
    }
}

/// This thread's CPU seconds.
fn thread_cpu() -> f64 {
    // SAFETY: getrusage writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut usage) };
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    t(usage.ru_utime) + t(usage.ru_stime)
}

/// The baseline: CPU microseconds to parse `body` into a `serde_json::Value`
/// here, which any server reading JSON pays; its growth with size is the
/// machine's (caches, allocation), not the validator's.
fn parse_baseline_us(body: &[u8], min_cpu: f64) -> f64 {
    let start = thread_cpu();
    let mut runs = 0u32;
    loop {
        let value: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        std::hint::black_box(value);
        runs += 1;
        let used = thread_cpu() - start;
        if used >= min_cpu && runs >= 3 {
            return used / f64::from(runs) * 1e6;
        }
    }
}

fn keys_body(n: usize, known: &str) -> Vec<u8> {
    let mut body = String::with_capacity(n * 12 + 64);
    body.push('{');
    body.push_str(known);
    for i in 0..n {
        body.push_str(&format!(",\"k{i}\":0"));
    }
    body.push('}');
    body.into_bytes()
}

fn unique_body(n: usize) -> Vec<u8> {
    let tags: Vec<Value> = (0..n).map(|i| json!(format!("t{i}"))).collect();
    json!({ "tags": tags }).to_string().into_bytes()
}

/// How long the server keeps a client that drips `bytes` one a second
/// after sending `start`, before it closes the connection or answers.
async fn kept_for(addr: &str, start: &[u8], bytes: &[u8]) -> (f64, String) {
    let began = Instant::now();
    let Ok(mut stream) = TcpStream::connect(addr).await else { return (f64::NAN, "connect failed".into()) };
    if !start.is_empty() && stream.write_all(start).await.is_err() {
        return (began.elapsed().as_secs_f64(), "closed".into());
    }
    let (mut reader, mut writer) = stream.split();
    let drip = async {
        if bytes.is_empty() {
            tokio::time::sleep(Duration::from_secs(120)).await;
        }
        for byte in bytes.iter().cycle().take(120) {
            tokio::time::sleep(Duration::from_secs(1)).await;
            if writer.write_all(&[*byte]).await.is_err() {
                return;
            }
        }
    };
    let read = async {
        let mut buf = [0u8; 4096];
        let mut seen = Vec::new();
        loop {
            match reader.read(&mut buf).await {
                Ok(0) | Err(_) => {
                    return (
                        began.elapsed().as_secs_f64(),
                        String::from_utf8_lossy(&seen).lines().next().unwrap_or("closed").to_owned(),
                    )
                }
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::select! {
        outcome = read => outcome,
        _ = drip => (began.elapsed().as_secs_f64(), "still open after 120 s".into()),
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("serve") {
        return run_server().await;
    }
    let quick = args.iter().any(|a| a == "--quick");
    let as_json = args.iter().any(|a| a == "--json");
    let exe = std::env::current_exe().expect("exe");
    let mut child = Command::new(exe).arg("serve").stdout(Stdio::piped()).spawn().expect("start the server");
    let pid = child.id();
    let mut line = String::new();
    let stdout = child.stdout.take().expect("stdout");
    std::io::BufReader::new(stdout).read_line(&mut line).expect("addresses");
    let addrs: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
    let (open, rules) = (&addrs[0], &addrs[1]);
    let http = reqwest::Client::new();

    // Up to what the body limit holds (12 bytes a key at the largest).
    let most = (BODY_LIMIT - 64) / 13;
    let sizes: Vec<usize> =
        if quick { vec![1_000, 16_000, most] } else { vec![1_000, 4_000, 16_000, 64_000, 256_000, most] };
    let min_cpu = if quick { 0.1 } else { 0.3 };
    let mut rows = Vec::new();
    for &n in &sizes {
        eprintln!("unknown keys: {n}");
        let admitted_body = keys_body(n, "\"tags\":[]");
        let baseline = parse_baseline_us(&admitted_body, min_cpu);
        let (admitted, s1) = cpu_per_request(pid, &http, &format!("http://{open}/open"), &admitted_body, min_cpu).await;
        let (refused, s2) = cpu_per_request(
            pid,
            &http,
            &format!("http://{rules}/items/abc"),
            &keys_body(n, "\"name\":\"abc\",\"count\":1"),
            min_cpu,
        )
        .await;
        let unique_n = n.min((BODY_LIMIT - 64) / 10);
        let (unique, s3) =
            cpu_per_request(pid, &http, &format!("http://{open}/open"), &unique_body(unique_n), min_cpu).await;
        rows.push(json!({
            "n": n,
            "parse_baseline_us": baseline,
            "admitted_us": admitted, "admitted_status": s1,
            "refused_us": refused, "refused_status": s2,
            "unique_items": unique_n, "unique_us": unique, "unique_status": s3,
        }));
    }

    eprintln!("slow clients (about 10 s)");
    let head = b"POST /open HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n";
    let (headers_kept, headers_end, body_kept, body_end, silent_kept, silent_end) = {
        let headers = kept_for(open, b"GET /things/a HTTP/1.1\r\n", b"X-Slow: aaaaaaaaaaaaaaaaaaaaaaaa");
        let body = kept_for(open, head, b"{\"tags\":[1,2,3,4,5,6,7,8,9]}");
        let silent = kept_for(open, b"", b"");
        let ((a, b), (c, d), (e, f)) = tokio::join!(headers, body, silent);
        (a, b, c, d, e, f)
    };
    // Idle after one response.
    let idle_kept = {
        let began = Instant::now();
        let mut stream = TcpStream::connect(open.as_str()).await.expect("connect");
        stream.write_all(b"GET /things/a HTTP/1.1\r\nHost: x\r\n\r\n").await.expect("write");
        let mut buf = vec![0u8; 4096];
        let _ = stream.read(&mut buf).await;
        let answered = began.elapsed().as_secs_f64();
        let mut rest = Vec::new();
        let _ = stream.read_to_end(&mut rest).await;
        began.elapsed().as_secs_f64() - answered
    };
    // A normal request while 100 clients drip their headers.
    let mut drippers = Vec::new();
    for _ in 0..100 {
        let addr = open.clone();
        drippers.push(tokio::spawn(async move {
            kept_for(&addr, b"GET /things/a HTTP/1.1\r\n", b"X-Slow: aaaaaaaaaaaaaaaa").await
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let began = Instant::now();
    let status = http.get(format!("http://{open}/things/a")).send().await.map(|r| r.status().as_u16()).unwrap_or(0);
    let latency_ms = began.elapsed().as_secs_f64() * 1e3;
    for d in drippers {
        let _ = d.await;
    }
    let _ = child.kill();
    let _ = child.wait();

    let mut out = String::new();
    use std::fmt::Write as _;
    let _ = writeln!(out, "## Hostile requests: server CPU per request (child process, /proc)\n");
    let _ = writeln!(out, "| unknown keys | admitted: µs/request | µs per 1,000 keys | refused (additionalProperties: false): µs/request | µs per 1,000 keys | uniqueItems items | µs/request | µs per 1,000 items | baseline: parse to a Value, µs per 1,000 keys |");
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|");
    for r in &rows {
        let n = r["n"].as_f64().unwrap_or(1.0);
        let u = r["unique_items"].as_f64().unwrap_or(1.0);
        let (a, f, q) = (
            r["admitted_us"].as_f64().unwrap_or(f64::NAN),
            r["refused_us"].as_f64().unwrap_or(f64::NAN),
            r["unique_us"].as_f64().unwrap_or(f64::NAN),
        );
        let b = r["parse_baseline_us"].as_f64().unwrap_or(f64::NAN);
        let _ = writeln!(
            out,
            "| {n:.0} | {a:.0} | {:.1} | {f:.0} | {:.1} | {u:.0} | {q:.0} | {:.1} | {:.1} |",
            a / n * 1000.0,
            f / n * 1000.0,
            q / u * 1000.0,
            b / n * 1000.0
        );
    }
    let first_last = |key: &str, per: &str| {
        let cost = |r: &Value| r[key].as_f64().unwrap_or(f64::NAN) / r[per].as_f64().unwrap_or(1.0);
        cost(&rows[rows.len() - 1]) / cost(&rows[1.min(rows.len() - 1)])
    };
    let (growth_admitted, growth_refused, growth_unique) =
        (first_last("admitted_us", "n"), first_last("refused_us", "n"), first_last("unique_us", "unique_items"));
    let growth_baseline = first_last("parse_baseline_us", "n");
    let _ = writeln!(
        out,
        "\nCost per key at the largest size over the cost at the second: admitted {growth_admitted:.2}, refused {growth_refused:.2}, uniqueItems {growth_unique:.2}; the parse baseline {growth_baseline:.2} (1 is linear; quadratic work would multiply it by the size ratio, {:.0}).",
        rows[rows.len() - 1]["n"].as_f64().unwrap_or(0.0) / rows[1.min(rows.len() - 1)]["n"].as_f64().unwrap_or(1.0)
    );
    let _ = writeln!(
        out,
        "\n## Slow clients (header timeout {} s, body timeout {} s, idle timeout {} s)\n",
        HEADER_TIMEOUT.as_secs(),
        BODY_TIMEOUT.as_secs(),
        IDLE_TIMEOUT.as_secs()
    );
    let _ = writeln!(out, "| client | kept for s | how it ended |");
    let _ = writeln!(out, "|---|---|---|");
    let _ = writeln!(out, "| headers, one byte a second | {headers_kept:.1} | {headers_end} |");
    let _ = writeln!(out, "| body, one byte a second | {body_kept:.1} | {body_end} |");
    let _ = writeln!(out, "| connects, sends nothing | {silent_kept:.1} | {silent_end} |");
    let _ = writeln!(out, "| idle after a response | {idle_kept:.1} | closed |");
    let _ =
        writeln!(out, "\nA normal request while 100 clients drip their headers: status {status}, {latency_ms:.1} ms.");
    println!("{out}");
    if as_json {
        let result = json!({
            "unknown_keys": rows,
            "per_key_growth": {"admitted": growth_admitted, "refused": growth_refused, "unique_items": growth_unique, "parse_baseline": growth_baseline},
            "slow_clients": {
                "header_timeout_s": HEADER_TIMEOUT.as_secs(), "body_timeout_s": BODY_TIMEOUT.as_secs(), "idle_timeout_s": IDLE_TIMEOUT.as_secs(),
                "headers_kept_s": headers_kept, "headers_end": headers_end,
                "body_kept_s": body_kept, "body_end": body_end,
                "silent_kept_s": silent_kept, "silent_end": silent_end,
                "idle_kept_s": idle_kept,
                "latency_under_slowloris_ms": latency_ms, "latency_status": status,
            },
        });
        println!("hardening: {result}");
    }
    let ok = status == 200
        && rows.iter().all(|r| {
            r["admitted_status"] == json!([204])
                && r["refused_status"] == json!([400])
                && r["unique_status"] == json!([204])
        });
    if !ok {
        eprintln!("unexpected statuses: {rows:?}, latency status {status}");
        std::process::exit(1);
    }
}
