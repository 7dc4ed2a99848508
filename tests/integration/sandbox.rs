//! Each simulation has a real temporary directory, removed when the run is dropped, even
//! when the code holding it panics.

use crate::common;

use bgsim::world::Transport;
use bgsim_simulator::Action;
use common::*;

#[test]
fn the_sandbox_is_real_and_removed_at_the_end_even_on_panic() {
    let dir = std::sync::Mutex::new(None);
    let result = std::panic::catch_unwind(|| {
        let run = run(
            "reference",
            3,
            Transport::Memory,
            vec![
                (secs(0.0), Action::Launch),
                (secs(1.0), download("/xamarin.png", "Documents/x.png")),
            ],
        );
        let container = run
            .sandbox
            .container_dir()
            .expect("runs keep their files on disk");
        assert!(
            container.join("Documents/x.png").is_file(),
            "a real file on disk"
        );
        *dir.lock().unwrap() = Some(container);
        panic!("a failing test holding the run");
    });
    assert!(result.is_err());
    let container = dir.lock().unwrap().take().expect("the run got that far");
    assert!(
        !container.exists(),
        "{} is left behind",
        container.display()
    );
}
