package dev.numpool.inventory;

import java.util.Set;

/**
 * Which providers an order or a listing of each {@link Mode} may reach. On a production node a
 * test order reaches the simulated providers only (the simulator, in practice) and a live order
 * never does, so play money never buys a real number and real money never buys a simulated one.
 * A sandbox node is play money throughout: every order may reach every provider, as it always
 * could. The magic test services are the simulator's alone on every node, so that their outcomes
 * stay deterministic (no simulated upstream sells them by chance).
 */
final class TestSeparation {
    private final boolean sandboxNode;
    private final Set<String> simulated;

    TestSeparation(boolean sandboxNode, Set<String> simulated) {
        this.sandboxNode = sandboxNode;
        this.simulated = Set.copyOf(simulated);
    }

    boolean allows(String provider, String service, Mode mode) {
        boolean reachable = sandboxNode || simulated.contains(provider) == (mode == Mode.TEST);
        return reachable && (!Simulator.isMagic(service) || provider.equals(Simulator.NAME));
    }
}
