//! Operators that act once per finished tick, in tick order: the key gate and the network.
//!
//! Both need to see a whole tick's changes at once, and to act on every finished tick, even one
//! in which their input did not change; [`each_tick`] is that loop, written once.

use std::collections::BTreeMap;

use differential_dataflow::AsCollection;
use timely::container::CapacityContainerBuilder;
use timely::dataflow::channels::pact::ParallelizationContract;
use timely::dataflow::operators::generic::OperatorInfo;
use timely::dataflow::operators::generic::operator::Operator;

use crate::rt::{Column, Rel, Tick};

/// What an [`each_tick`] operator does with a finished tick.
pub(crate) trait PerTick<D, O>: 'static {
    /// Whether finished tick `tick` can be acted on now; if not, the operator waits until it is
    /// woken (by an activator it registered when built) and asks again.
    fn ready(&mut self, _tick: Tick) -> bool {
        true
    }

    /// Acts on finished tick `tick`, given its changes; pushes updates at `tick` or later.
    fn tick(&mut self, tick: Tick, changes: Vec<(D, isize)>, out: &mut Vec<(O, Tick, isize)>);
}

/// An operator named `name` that calls `build`'s [`PerTick`] on every finished tick of `rel`,
/// in order, with the tick's changes routed by `pact`.
pub(crate) fn each_tick<'s, D, O, P, F>(
    rel: &Rel<'s, Tick, D>,
    pact: P,
    name: &str,
    build: impl FnOnce(&OperatorInfo) -> F,
) -> Rel<'s, Tick, O>
where
    D: Column,
    O: Column,
    P: ParallelizationContract<Tick, Vec<(D, Tick, isize)>>,
    F: PerTick<D, O>,
{
    rel.inner
        .clone()
        .unary_frontier::<CapacityContainerBuilder<Vec<(O, Tick, isize)>>, _, _, _>(
            pact,
            name,
            move |capability, info| {
                let mut logic = build(&info);
                let mut capability = Some(capability);
                let mut pending: BTreeMap<Tick, Vec<(D, isize)>> = BTreeMap::new();
                let mut out = Vec::new();
                move |(input, frontier), output| {
                    input.for_each(|_, data| {
                        for (row, time, diff) in data.drain(..) {
                            pending.entry(time).or_default().push((row, diff));
                        }
                    });
                    while let Some(held) = capability.as_mut() {
                        let tick = *held.time();
                        if frontier.less_equal(&tick) || !logic.ready(tick) {
                            break;
                        }
                        logic.tick(tick, pending.remove(&tick).unwrap_or_default(), &mut out);
                        if !out.is_empty() {
                            output.session(held).give_iterator(out.drain(..));
                        }
                        if frontier.is_empty() {
                            capability = None;
                        } else {
                            held.downgrade(&(tick + 1));
                        }
                    }
                }
            },
        )
        .as_collection()
}
