//! The examples each subcommand's `--help` ends with: the commands people type most.

pub(crate) const RUN: &str = "\
Examples:
  bgsim run scenarios/                       every shipped scenario, against the apps they name
  bgsim run scenarios/t1-system-kill-batched-relaunch.toml --seed 7
  bgsim run scenarios/ --app tf-02-async-move -q   a buggy app: verdicts only
  bgsim run scenarios/ --format json > report.jsonl   JSON lines (docs/json.md)
  bgsim run my.toml --app-command 'python3 my_app.py'   an app in another language";

pub(crate) const LIST: &str = "\
Examples:
  bgsim list                                 apps, checks, and what each shipped scenario shows
  bgsim list --scenarios my-scenarios/";

pub(crate) const MUTANTS: &str = "\
Examples:
  bgsim mutants                              every mutant of the reference app, every scenario
  bgsim mutants --app-command 'node app.js'  the variants a process app offers in its hello";

pub(crate) const FUZZ: &str = "\
Examples:
  bgsim fuzz --runs 1000                     a thousand generated lifecycles, reference app
  bgsim fuzz --app lc-02-running-after-a-kill --time 30s --out found/
  bgsim fuzz --runs 500 --check-determinism  each run twice, TCP against memory
  bgsim fuzz --runs 10000 --shard 2/4 --json > shard-2.json   one machine of four
  bgsim fuzz merge shard-*.json              the campaign's summary";

pub(crate) const SERVE: &str = "\
Examples:
  bgsim serve --addr 127.0.0.1:0             the fixtures folder, on a free port
  bgsim serve --scenario scenarios/net-2-short-stall-resumes.toml   with the scenario's faults";

pub(crate) const BENCH: &str = "\
Examples:
  bgsim bench                                every benchmark, with its baselines
  bgsim bench --quick --only fuzz --json";

pub(crate) const COMPLETIONS: &str = "\
Examples:
  bgsim completions bash > ~/.local/share/bash-completion/completions/bgsim
  bgsim completions zsh > \"${fpath[1]}/_bgsim\"
  bgsim completions fish > ~/.config/fish/completions/bgsim.fish";
