//! Helpers shared by the tier workflow test binaries; each binary uses a part of them.
#![allow(dead_code)]

pub mod scripted_activities;
