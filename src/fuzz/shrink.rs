//! Delta debugging (Zeller's ddmin, docs/design.md#shrinking): make a failing case smaller
//! while it keeps failing the same way. First chunks of steps go, then single steps, then
//! faults and unused fixtures, then values get simpler (smaller files) and times earlier.
//! Every candidate is a valid case (it is [`Case::repaired`] before it is tried); a candidate
//! that does not reproduce is dropped.

use super::case::Case;

/// Shrinks `case`, for which `fails` holds, to a case for which it still holds and from
/// which no single step, fault or simplification can be removed. `fails` is called once
/// per candidate; `budget` bounds how many candidates are tried.
pub fn shrink(case: &Case, mut fails: impl FnMut(&Case) -> bool, budget: usize) -> Case {
    let mut best = case.clone();
    let tries = std::cell::Cell::new(0usize);
    let mut attempt = |candidate: Case, best: &mut Case| -> bool {
        let candidate = candidate.repaired();
        if tries.get() >= budget || candidate == *best {
            return false;
        }
        tries.set(tries.get() + 1);
        if fails(&candidate) {
            *best = candidate;
            true
        } else {
            false
        }
    };
    loop {
        let before = best.clone();
        // ddmin over the steps: remove chunks of len/n, n doubling while nothing goes.
        let mut n = 2usize;
        while best.steps.len() >= 2 && n <= best.steps.len() {
            let chunk = best.steps.len().div_ceil(n);
            let mut removed = false;
            let mut start = 0;
            while start < best.steps.len() {
                let mut c = best.clone();
                let end = (start + chunk).min(c.steps.len());
                c.steps.drain(start..end);
                if attempt(c.without_unused_fixtures(), &mut best) {
                    removed = true;
                } else {
                    start += chunk;
                }
            }
            n = if removed {
                n.saturating_sub(1).max(2)
            } else {
                n * 2
            };
        }
        // Then each step, fault and fixture size on its own.
        let mut i = 0;
        while i < best.steps.len() {
            let mut c = best.clone();
            c.steps.remove(i);
            if !attempt(c.without_unused_fixtures(), &mut best) {
                i += 1;
            }
        }
        let mut i = 0;
        while i < best.faults.len() {
            let mut c = best.clone();
            c.faults.remove(i);
            if !attempt(c, &mut best) {
                i += 1;
            }
        }
        for i in 0..best.fixtures.len() {
            while best.fixtures[i].size_bytes > 1024 {
                let mut c = best.clone();
                c.fixtures[i].size_bytes = (c.fixtures[i].size_bytes / 2).max(1024);
                for f in c.faults.iter_mut().filter(|f| f.fixture == i) {
                    clamp_fault(f, c.fixtures[i].size_bytes);
                }
                if !attempt(c, &mut best) {
                    break;
                }
            }
        }
        for knobs in best.knobs.simpler() {
            let mut c = best.clone();
            c.knobs = knobs;
            // Without a short resource timeout, a fault may not hit every request.
            if c.knobs.resource_timeout_s.is_none() {
                for f in &mut c.faults {
                    f.request.get_or_insert(1);
                }
            }
            attempt(c, &mut best);
        }
        if best.ends_in_background {
            let mut c = best.clone();
            c.ends_in_background = false;
            attempt(c, &mut best);
        }
        // Times earlier: each step as close to the one before as the failure allows.
        for i in 0..best.steps.len() {
            let floor = if i == 0 { 0 } else { best.steps[i - 1].at_ms };
            let mut c = best.clone();
            c.steps[i].at_ms = floor;
            if !attempt(c, &mut best) {
                let mut c = best.clone();
                let gap = best.steps[i].at_ms - floor;
                c.steps[i].at_ms = floor + gap / 2;
                attempt(c, &mut best);
            }
        }
        if best == before || tries.get() >= budget {
            return best;
        }
    }
}

/// Keeps a fault's byte offset inside a body that shrank to `size_bytes`.
fn clamp_fault(f: &mut super::case::FaultGen, size_bytes: u64) {
    use super::case::FaultKind::*;
    match &mut f.kind {
        Cut { at } | Reset { at } | Stall { at, .. } => *at = (*at).min(size_bytes - 1),
        _ => {}
    }
}
