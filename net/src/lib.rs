//! Networking for Blossom programs: the wire codec, ingress/egress servers, and channels between
//! separately deployed programs.
//!
//! Nothing lives here yet. Processes of one cluster already talk through timely's own
//! communication layer (`blossom::Config::cluster`); this crate is where length-delimited,
//! versioned frames for external clients and for `<~` channels between programs will go, with
//! every decode returning an error value rather than panicking.
