//! A quorum: voters send ballots to a coordinator, which keeps the voters of each proposal in a
//! `SetUnion` and decides once its size reaches the quorum, then tells the voters.
//!
//! Counting ballots with `count()` would be wrong twice over: a voter whose ballot arrives twice
//! would count twice, and a count can be decided only once every ballot is in (it is not
//! monotone). The size of a set of voters only grows, so `when` its size passes the quorum, the
//! decision holds for ever, whatever the network does.

use blossom::lattices::Monotone;
use blossom::lattices::functions::Len;
use blossom::{Addr, Config, Error, Max, SetUnion};

blossom::program! {
    /// Ballots collected per proposal at a coordinator; a decision at a quorum, told to every
    /// voter. Every step is monotone: the CALM analysis labels each output A.
    pub Quorum {
        input   propose(proposal: u32, quorum: usize);
        input   vote(proposal: u32, coordinator: Addr);
        table   needed(proposal: u32, quorum: usize);
        table   voted(proposal: u32, voter: Addr);
        table   learned(proposal: u32);
        channel ballot(@to: Addr, proposal: u32, voter: Addr);
        channel outcome(@to: Addr, proposal: u32);
        lattice voters(proposal: u32) -> SetUnion<Addr>;
        output  decided(proposal: u32);
        output  tally(proposal: u32, votes: usize);
        output  known(proposal: u32);

        needed(p, q) <= propose(p, q);
        ballot(@c, p, me) <~ vote(@me, p, c);
        voters(p, SetUnion::singleton(v)) <= ballot(_, p, v);
        voted(p, v) <= ballot(_, p, v);
        decided(p) <= voters(p, s), needed(p, q), let n = Len.apply(&s), when n >= Max::new(q);
        tally(p, *Len.apply(&s).get()) <= voters(p, s);
        outcome(@v, p) <~ decided(p), voted(p, v);
        learned(p) <= outcome(_, p);
        known(p) <= learned(p);
    }
}

/// A vote: `voter` votes for `proposal` in tick `tick`, sending its ballot to the coordinator.
pub type Vote = (u64, Addr, u32);

/// What a run of [`run_votes`] saw at every tick.
#[derive(Debug, Default)]
pub struct Election {
    /// Per tick, the `(coordinator, proposal)` decisions standing.
    pub decided: Vec<Vec<(Addr, u32)>>,
    /// Per tick, the `(coordinator, proposal, votes)` tallies.
    pub tallies: Vec<Vec<(Addr, u32, usize)>>,
    /// Per tick, the `(voter, proposal)` outcomes voters know of.
    pub known: Vec<Vec<(Addr, u32)>>,
}

/// Runs an election for `ticks` ticks: `coordinator` holds `proposals` (`(proposal, quorum)`)
/// from the first tick, and each vote is cast in its tick.
pub fn run_votes(
    coordinator: Addr,
    proposals: &[(u32, usize)],
    votes: &[Vote],
    ticks: u64,
    config: &Config,
) -> Result<Election, Error> {
    let mut program = Quorum::with_config(config)?;
    program
        .propose
        .extend(proposals.iter().map(|&(p, q)| (coordinator, p, q)));
    let mut election = Election::default();
    for tick in 0..ticks {
        let now = votes.iter().filter(|&&(t, _, _)| t == tick);
        program
            .vote
            .extend(now.map(|&(_, voter, p)| (voter, p, coordinator)));
        program.tick()?;
        election.decided.push(program.decided.snapshot()?);
        election.tallies.push(program.tally.snapshot()?);
        election.known.push(program.known.snapshot()?);
    }
    Ok(election)
}
