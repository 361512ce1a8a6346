"""World-agnostic machinery: the info contract, batched RNG, sim base, env and VecEnv glue."""
