package dev.numpool.orders;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The special-purpose address blocks a webhook is never sent to, read from
 * {@value #TABLE}: IANA's IPv4 and IPv6 special-purpose registries entry by entry, multicast, and
 * the deprecated blocks that still reach private networks. Data, so that a new registry entry is
 * one line and its test follows by itself.
 */
final class SpecialAddresses {
    static final String TABLE = "special-purpose-addresses.tsv";

    /** One block: its first address and prefix length, as numbers of the address's width. */
    record Block(String prefix, String name, byte[] network, int length) {
        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            int full = length / 8;
            for (int i = 0; i < full; i++) {
                if (address[i] != network[i]) {
                    return false;
                }
            }
            int rest = length % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (address[full] & mask) == (network[full] & mask);
        }

        /** The block's last address (for tests of its edge). */
        byte[] last() {
            BigInteger first = new BigInteger(1, network);
            BigInteger size = BigInteger.ONE.shiftLeft(network.length * 8 - length);
            byte[] raw = first.add(size).subtract(BigInteger.ONE).toByteArray();
            byte[] out = new byte[network.length];
            int copy = Math.min(raw.length, out.length);
            System.arraycopy(raw, raw.length - copy, out, out.length - copy, copy);
            return out;
        }
    }

    private static final List<Block> BLOCKS = load();

    private SpecialAddresses() {
    }

    static List<Block> blocks() {
        return BLOCKS;
    }

    /** Whether {@code address} lies in any special-purpose block. */
    static boolean contains(InetAddress address) {
        byte[] bytes = address.getAddress();
        for (Block b : BLOCKS) {
            if (b.contains(bytes)) {
                return true;
            }
        }
        return false;
    }

    private static List<Block> load() {
        List<Block> blocks = new ArrayList<>();
        try (InputStream in = SpecialAddresses.class.getResourceAsStream(TABLE)) {
            if (in == null) {
                throw new IllegalStateException(TABLE + " is missing from the build");
            }
            BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = lines.readLine()) != null; ) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split("\t");
                String[] cidr = f[0].split("/");
                // Literals only: getByName asks no DNS for an address literal.
                byte[] network = InetAddress.getByName(cidr[0]).getAddress();
                if (cidr[0].contains(":") && network.length == 4) {
                    network = ipv6Of(cidr[0]); // ::ffff:0:0 would come back as IPv4
                }
                blocks.add(new Block(f[0], f[1], network, Integer.parseInt(cidr[1])));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return List.copyOf(blocks);
    }

    /** The 16 bytes of an IPv6 literal that Java would turn into IPv4 (the mapped block). */
    private static byte[] ipv6Of(String literal) throws UnknownHostException {
        byte[] v4 = InetAddress.getByName(literal).getAddress();
        byte[] v6 = new byte[16];
        v6[10] = (byte) 0xff;
        v6[11] = (byte) 0xff;
        System.arraycopy(v4, 0, v6, 12, 4);
        return v6;
    }
}
