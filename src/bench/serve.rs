//! serve-1gib: throughput of a child `bgsim serve --scenario` serving a large generated
//! fixture to `curl -o /dev/null`, against nginx serving the same bytes from a file (a
//! child with a generated configuration in a temporary folder). Both listen on 127.0.0.1.

use super::proc::{self, Guard, TempDir};
use super::report::{Baseline, Row, Target, Unit};
use super::{io_error, large_download, median, repeat, Sizes};
use crate::server::Fixture;
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long nginx may take to start listening.
const NGINX_START: Duration = Duration::from_secs(10);

/// MiB per second of one `curl -o /dev/null` of `url`, which serves `size_bytes`.
fn throughput(url: &str, size_bytes: u64) -> Result<f64, String> {
    let wall = proc::curl(url, Path::new("/dev/null")).map_err(io_error)?;
    Ok(size_bytes as f64 / (1 << 20) as f64 / wall.as_secs_f64())
}

/// Writes the bytes `bgsim serve` serves for the fixture of [`large_download`] to `to`.
fn write_fixture(to: &Path, size_bytes: u64) -> std::io::Result<()> {
    const CHUNK_BYTES: u64 = 1 << 20;
    let fixture = Fixture::generated("/big.bin", size_bytes, 7);
    let content = &fixture.current().content;
    let mut file = std::io::BufWriter::new(std::fs::File::create(to)?);
    for at in (0..size_bytes).step_by(CHUNK_BYTES as usize) {
        let len = CHUNK_BYTES.min(size_bytes - at) as usize;
        file.write_all(&content.read_at(at, len))?;
    }
    file.flush()
}

/// A free loopback port. Another process could take it before nginx binds it; nginx would
/// then fail to start, and the benchmark says so.
fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// nginx in the foreground (`daemon off`), serving `dir`/www on `port`, every file it writes
/// kept in `dir`. `sendfile on` as in Debian's own configuration: nginx at its usual best.
fn nginx(dir: &Path, port: u16) -> Result<Guard, String> {
    let d = dir.display();
    let config = format!(
        "daemon off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
         events {{ worker_connections 64; }}\n\
         http {{\n  access_log off;\n  sendfile on;\n  client_body_temp_path {d}/tmp;\n\
         proxy_temp_path {d}/tmp;\n  fastcgi_temp_path {d}/tmp;\n  uwsgi_temp_path {d}/tmp;\n\
         scgi_temp_path {d}/tmp;\n  server {{ listen 127.0.0.1:{port}; root {d}/www; }}\n}}\n"
    );
    let conf = dir.join("nginx.conf");
    std::fs::write(&conf, config).map_err(io_error)?;
    let child = Command::new("nginx")
        .arg("-p")
        .arg(dir)
        .arg("-e")
        .arg(dir.join("error.log"))
        .arg("-c")
        .arg(&conf)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(io_error)?;
    let mut guard = Guard::new(child);
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        let exited = guard.exited().map_err(io_error)?;
        if exited || started.elapsed() > NGINX_START {
            let log = std::fs::read_to_string(dir.join("error.log")).unwrap_or_default();
            return Err(format!("nginx did not start on port {port}: {}", log.trim()));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(guard)
}

pub fn bench(sizes: Sizes) -> Result<Vec<Row>, String> {
    let size_bytes = sizes.large_bytes;
    if !proc::installed("curl", "--version") {
        return Err("curl not installed (apt-get install curl)".into());
    }
    let dir = TempDir::new().map_err(io_error)?;
    let scenario = dir.path().join("serve.toml");
    std::fs::write(&scenario, large_download(size_bytes)).map_err(io_error)?;
    let served = proc::serve(&scenario).map_err(io_error)?;
    let url = format!("http://{}/big.bin", served.addr);
    let bgsim = median(repeat(|| throughput(&url, size_bytes))?);
    drop(served);
    let baseline = if proc::installed("nginx", "-v") {
        for sub in ["www", "tmp"] {
            std::fs::create_dir(dir.path().join(sub)).map_err(io_error)?;
        }
        write_fixture(&dir.path().join("www/big.bin"), size_bytes).map_err(io_error)?;
        let port = free_port().map_err(io_error)?;
        let _nginx = nginx(dir.path(), port)?;
        let url = format!("http://127.0.0.1:{port}/big.bin");
        Baseline::Measured {
            what: "nginx, the same bytes from a file".into(),
            value: median(repeat(|| throughput(&url, size_bytes))?),
        }
    } else {
        Baseline::Missing("nginx not installed (apt-get install nginx-light)".into())
    };
    Ok(vec![Row {
        bench: "serve-1gib",
        measured: format!(
            "bgsim serve: {} MiB to curl -o /dev/null",
            size_bytes >> 20
        ),
        unit: Unit::MibPerS,
        value: bgsim,
        baseline,
        target: Target::RatioAtLeast(1.0),
    }])
}
