//! A world to run: an app, fixtures, a timeline, and the transport between the simulated
//! daemon and the real hyper server. One world runs on one single-threaded tokio runtime.

use crate::server::{
    ConnKey, FaultPlan, FixtureServer, FixtureSet, JournalEntry, MemoryServer, StallBoard,
    StallWatcher, TcpServer,
};
use bgsim_simulator::network::{
    BoxedConnection, DialFuture, DialWatchedFuture, Dialed, ServerStall, StallFuture, StallProbe,
};
use bgsim_simulator::sandbox::Sandbox;
use bgsim_simulator::{
    Action, AppFactory, AppState, Dialer, History, RunEnd, SimConfig, SimTime, Simulation,
};
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::Arc;

mod tcp;

/// The host name apps use for the fixture server. Any other host is refused, so nothing
/// a simulated app does can leave this machine.
pub const FIXTURE_HOST: &str = "fixtures.bgsim.test";

/// The URL of the fixture at `path` (`/xamarin.png`).
pub fn fixture_url(path: &str) -> String {
    format!("http://{FIXTURE_HOST}{path}")
}

/// The request path (without query or fragment) of `url` when it names the fixture server
/// (`http://fixtures.bgsim.test/a.png?x` → `/a.png`); None for another host, another scheme,
/// or text that is not a URL. Parsed as RFC 3986 says, by the `url` crate.
pub fn fixture_path_of(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let ours = matches!(parsed.scheme(), "http" | "https")
        && parsed.host_str() == Some(FIXTURE_HOST)
        && parsed.port().is_none();
    ours.then(|| parsed.path().to_string())
}

/// Whether `text` is a full URL with a host, written without spaces or control characters
/// (which a scenario file would otherwise smuggle into a request line).
pub fn is_full_url(text: &str) -> bool {
    let clean = !text.chars().any(|c| c.is_whitespace() || c.is_control());
    let after_scheme = text.split_once("://").map_or("", |(_, rest)| rest);
    clean
        && !after_scheme.is_empty()
        && !after_scheme.starts_with('/')
        && url::Url::parse(text).is_ok_and(|u| u.host_str().is_some_and(|h| !h.is_empty()))
}

/// How the daemon's HTTP client reaches the server. Both go through hyper on both ends.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Transport {
    /// Real TCP on 127.0.0.1, an ephemeral port.
    #[default]
    Tcp,
    /// An in-memory duplex pipe.
    Memory,
}

/// Everything a run needs. Build one with [`World::new`] and the builder methods; every
/// part but the app has a default (the default [`SimConfig`], nothing served, no faults,
/// no steps, no horizon, TCP).
pub struct World {
    /// Seed, iOS profile, network.
    pub config: SimConfig,
    /// What the server serves.
    pub fixtures: FixtureSet,
    /// What the server does wrong, by path and request number.
    pub faults: FaultPlan,
    /// The app under test.
    pub app: AppFactory,
    /// Timeline steps.
    pub timeline: Vec<(SimTime, Action)>,
    /// The run stops once nothing is due before this instant.
    pub horizon: SimTime,
    /// TCP or memory.
    pub transport: Transport,
}

impl World {
    /// A world running `app`, with every other part at its default.
    pub fn new(app: AppFactory) -> World {
        World {
            config: SimConfig::default(),
            fixtures: FixtureSet::new(),
            faults: FaultPlan::new(),
            app,
            timeline: Vec::new(),
            horizon: SimTime::NEVER,
            transport: Transport::default(),
        }
    }

    /// The seed, the iOS profile, the device and the network.
    pub fn config(mut self, config: SimConfig) -> World {
        self.config = config;
        self
    }

    /// What the server serves.
    pub fn fixtures(mut self, fixtures: FixtureSet) -> World {
        self.fixtures = fixtures;
        self
    }

    /// What the server does wrong.
    pub fn faults(mut self, faults: FaultPlan) -> World {
        self.faults = faults;
        self
    }

    /// The timeline's steps, at their instants.
    pub fn timeline(mut self, timeline: Vec<(SimTime, Action)>) -> World {
        self.timeline = timeline;
        self
    }

    /// Adds one step at `at`.
    pub fn step(mut self, at: SimTime, action: Action) -> World {
        self.timeline.push((at, action));
        self
    }

    /// Stops the run once nothing is due before `horizon`.
    pub fn horizon(mut self, horizon: SimTime) -> World {
        self.horizon = horizon;
        self
    }

    /// TCP on loopback, or the in-memory pipe.
    pub fn transport(mut self, transport: Transport) -> World {
        self.transport = transport;
        self
    }
}

impl std::fmt::Debug for World {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("World")
            .field("config", &self.config)
            .field("fixtures", &self.fixtures.len())
            .field("timeline", &self.timeline)
            .field("horizon", &self.horizon)
            .field("transport", &self.transport)
            .finish_non_exhaustive()
    }
}

/// What a run leaves behind to judge.
pub struct Run {
    /// Every event.
    pub history: History,
    /// Every request the server saw.
    pub journal: Vec<JournalEntry>,
    /// The container, still on disk until this is dropped.
    pub sandbox: Sandbox,
    /// Whether the run settled.
    pub end: RunEnd,
    /// The virtual time at the end.
    pub end_time: SimTime,
    /// The app's state at the end.
    pub final_state: AppState,
    /// The server, to look at its fixtures.
    pub server: FixtureServer,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Run")
            .field("events", &self.history.records().len())
            .field("requests", &self.journal.len())
            .field("end", &self.end)
            .field("end_time", &self.end_time)
            .field("final_state", &self.final_state)
            .finish_non_exhaustive()
    }
}

fn refuse(authority: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionRefused,
        format!("{authority} is not {FIXTURE_HOST}"),
    )
}

/// NET-2: the daemon's view of one connection's stalls. The server of a simulation posts
/// its stalls on a [`StallBoard::virtual_time`] board and waits for this watcher: the daemon
/// measures the stall on the virtual clock and releases it, or times the request out and
/// drops the connection with its watcher.
struct WatchedStalls(StallWatcher);

impl StallProbe for WatchedStalls {
    fn stalled(&self) -> StallFuture<'_> {
        Box::pin(async move {
            let stall = self.0.stalled().await;
            ServerStall {
                sent_body_bytes: stall.sent_body_bytes,
                duration: stall.duration,
            }
        })
    }

    fn release(&self) {
        self.0.release();
    }
}

fn watched(conn: BoxedConnection, board: &StallBoard, key: ConnKey) -> Dialed {
    Dialed {
        conn,
        stalls: Some(Box::new(WatchedStalls(board.watch(key)))),
    }
}

struct MemoryDialer {
    server: MemoryServer,
    stalls: StallBoard,
}

impl Dialer for MemoryDialer {
    fn dial(&self, authority: &str) -> DialFuture<'_> {
        let result = if authority == FIXTURE_HOST {
            Ok(Box::new(self.server.connect()) as BoxedConnection)
        } else {
            Err(refuse(authority))
        };
        Box::pin(async move { result })
    }

    fn dial_watched(&self, authority: &str) -> DialWatchedFuture<'_> {
        let result = if authority == FIXTURE_HOST {
            let (conn, key) = self.server.connect_keyed();
            Ok(watched(Box::new(conn), &self.stalls, key))
        } else {
            Err(refuse(authority))
        };
        Box::pin(async move { result })
    }
}

/// Runs a world to its horizon on a fresh single-threaded runtime.
pub fn run(world: World) -> io::Result<Run> {
    // Timers are enabled only for the server's bounded shutdown; simulated time never
    // comes from tokio.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run_async(world))
}

async fn run_async(world: World) -> io::Result<Run> {
    // Stalls last virtual time: the daemon releases them or gives up (NET-2).
    let stalls = StallBoard::virtual_time();
    let server =
        FixtureServer::with_faults(world.fixtures, world.faults).with_stall_board(stalls.clone());
    let mut tcp = None;
    let dialer: Rc<dyn Dialer> = match world.transport {
        Transport::Tcp => {
            let loopback: SocketAddr = ([127, 0, 0, 1], 0).into();
            let started = TcpServer::start(server.clone(), loopback).await?;
            let addr = started.local_addr();
            tcp = Some(started);
            let out_of_files = Arc::clone(&world.config.limits.out_of_files);
            Rc::new(tcp::TcpDialer::new(addr, stalls, out_of_files))
        }
        Transport::Memory => Rc::new(MemoryDialer {
            server: MemoryServer::new(server.clone()),
            stalls,
        }),
    };
    let mut sim = Simulation::new(world.config, world.app, dialer)?;
    for (at, action) in world.timeline {
        sim.schedule(at, action);
    }
    let end = sim.run_until(world.horizon).await;
    let (end_time, final_state) = (sim.now(), sim.app_state());
    let (history, sandbox) = sim.finish();
    if let Some(tcp) = tcp {
        tcp.shutdown().await;
    }
    Ok(Run {
        history,
        journal: server.journal().entries(),
        sandbox,
        end,
        end_time,
        final_state,
        server,
    })
}
