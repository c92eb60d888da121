pub mod scripted_activities;
