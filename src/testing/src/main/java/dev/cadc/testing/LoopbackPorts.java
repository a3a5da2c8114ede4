package dev.cadc.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * Free ports on the loopback address, for brokers' listeners. Ports found one after another with each
 * socket closed before the next can repeat (the system may hand the same one out again), and a broker
 * whose two listeners got the same port fails to start; so the ports one broker or cluster needs are
 * found together, each socket held until all are known.
 */
final class LoopbackPorts {

    private LoopbackPorts() {}

    /** {@code count} free loopback ports, all different. */
    static int[] free(int count) {
        List<ServerSocket> held = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                socket.setReuseAddress(true);
                held.add(socket);
                ports[i] = socket.getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free loopback port", e);
        } finally {
            for (ServerSocket socket : held) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // closing a listening socket that never accepted: nothing to lose
                }
            }
        }
    }

    /** A free loopback port other than {@code taken} (a port the caller holds or has chosen). */
    static int freeOtherThan(int taken) {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = free(1)[0];
            if (port != taken) {
                return port;
            }
        }
        throw new IllegalStateException("the system keeps handing out port " + taken + ", which is taken");
    }
}
