//! The embedded demo platform.
