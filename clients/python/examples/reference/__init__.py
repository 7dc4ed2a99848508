"""The reference app of bgsim, ported to Python: a correct background download manager,
the model answer every check must pass on, and the proof that the app protocol carries a
real app. A port, part for part, of src/apps/reference.rs and its modules in reference/:

- model.py: the store and the helpers; store.py: how the store is saved, one file per
  transfer; downloads.py: the downloads' state machine; transfers.py: uploads, fetches,
  pause and resume of a task; app.py: the app delegate and the session delegate;
  bugs.py: the real bugs of the Rust mutants, one per `--bug`.
"""
