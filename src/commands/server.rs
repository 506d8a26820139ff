//! PLACEHOLDER: being written.
use super::Command;

pub static COMMANDS: &[Command] = &[];
