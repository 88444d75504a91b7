//! `gureum`: the native host. `gureum serve` answers the AWS wire protocols of every engine
//! service on one port (as LocalStack's edge port does), so boto3, the AWS CLI and the AWS SDKs
//! work against the same engine the browser runs.

mod http;
mod server;
mod store;

use std::{path::PathBuf, process::ExitCode};

/// mimalloc: the engine allocates many small values (items, JSON); glibc malloc spent a quarter
/// of GetItem time in malloc/free and consolidation. Wrapped in gureum-js's per-thread byte
/// counter, which gives Lambda's "Max Memory Used" and its memory limit.
#[global_allocator]
static ALLOC: gureum_js::alloc::Counting<mimalloc::MiMalloc> = gureum_js::alloc::Counting(mimalloc::MiMalloc);

const USAGE: &str = "\
Gureum: the AWS serverless cloud, simulated.

Usage:
  gureum serve [--port PORT] [--host HOST] [--data DIR]
  gureum --version

Options:
  --port PORT   TCP port to listen on (default 4566; 0 picks a free one)
  --host HOST   address to bind (default 127.0.0.1)
  --data DIR    keep the sandbox in DIR; every acknowledged write is on disk
                before the response is sent. Without it the sandbox lives in memory.
";

/// Transparent huge pages off for this process (Linux). With THP set to "always", memory
/// mimalloc purges and later reuses faults back in as 2 MiB pages the kernel zeroes whole: in the
/// engine benchmark's write phases a third of the time went to clearing pages (perf), and
/// PutItem of new items ran about 1.5 times faster without THP. The engine benchmark does the
/// same, so its figures are this server's.
#[cfg(target_os = "linux")]
fn disable_transparent_huge_pages() {
    extern "C" {
        fn prctl(option: i32, arg2: u64, arg3: u64, arg4: u64, arg5: u64) -> i32;
    }
    const PR_SET_THP_DISABLE: i32 = 41;
    // SAFETY: PR_SET_THP_DISABLE sets a flag on this process; no pointers are passed. A kernel
    // without it answers EINVAL, which changes nothing.
    unsafe {
        prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

#[cfg(not(target_os = "linux"))]
fn disable_transparent_huge_pages() {}

fn main() -> ExitCode {
    disable_transparent_huge_pages();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("serve") => {}
        Some("--version") | Some("-V") => {
            println!("gureum {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Some("--help") | Some("-h") | Some("help") => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    }
    let mut config = server::Config { host: "127.0.0.1".into(), port: 4566, data: None };
    let mut it = args[1..].iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().cloned().ok_or_else(|| format!("{flag} needs a value"));
        let parsed: Result<(), String> = match flag.as_str() {
            "--port" => value().and_then(|v| v.parse().map(|p| config.port = p).map_err(|_| format!("--port: '{v}' is not a port number"))),
            "--host" => value().map(|v| config.host = v),
            "--data" => value().map(|v| config.data = Some(PathBuf::from(v))),
            other => Err(format!("unknown option '{other}'")),
        };
        if let Err(e) = parsed {
            eprintln!("gureum: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    }
    match server::run(config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gureum: {e}");
            ExitCode::FAILURE
        }
    }
}
