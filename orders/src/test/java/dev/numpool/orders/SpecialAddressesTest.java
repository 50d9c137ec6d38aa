package dev.numpool.orders;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The webhook SSRF guard's address blocks, entry by entry of IANA's special-purpose registries. */
class SpecialAddressesTest {
    /**
     * The registries as published (IPv4: 2024-01 edition; IPv6: 2025 edition), transcribed here
     * independently of the table the code reads, so a block missing there fails here.
     */
    private static final List<String> IANA = List.of(
            "0.0.0.0/8", "0.0.0.0/32", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
            "192.0.0.0/24", "192.0.0.0/29", "192.0.0.8/32", "192.0.0.9/32", "192.0.0.10/32", "192.0.0.170/32", "192.0.0.171/32",
            "192.0.2.0/24", "192.31.196.0/24", "192.52.193.0/24", "192.88.99.0/24", "192.168.0.0/16", "192.175.48.0/24",
            "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4", "255.255.255.255/32",
            "::1/128", "::/128", "::ffff:0:0/96", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "100:0:0:1::/64",
            "2001::/23", "2001::/32", "2001:1::1/128", "2001:1::2/128", "2001:1::3/128", "2001:2::/48", "2001:3::/32",
            "2001:4:112::/48", "2001:10::/28", "2001:20::/28", "2001:30::/28", "2001:db8::/32", "2002::/16",
            "2620:4f:8000::/48", "3fff::/20", "5f00::/16", "fc00::/7", "fe80::/10");

    @Test
    void everyRegistryEntryIsRefusedAtBothEnds() throws UnknownHostException {
        for (String entry : IANA) {
            SpecialAddresses.Block block = block(entry);
            assertTrue(SpecialAddresses.contains(InetAddress.getByAddress(block.network())), entry + " first address");
            assertTrue(SpecialAddresses.contains(InetAddress.getByAddress(block.last())), entry + " last address");
        }
    }

    @Test
    void everyBlockOfTheTableIsRefusedAtBothEnds() throws UnknownHostException {
        assertTrue(SpecialAddresses.blocks().size() >= 45, "the table was read: " + SpecialAddresses.blocks().size());
        for (SpecialAddresses.Block b : SpecialAddresses.blocks()) {
            assertTrue(SpecialAddresses.contains(InetAddress.getByAddress(b.network())), b.prefix());
            assertTrue(SpecialAddresses.contains(InetAddress.getByAddress(b.last())), b.prefix());
        }
    }

    @Test
    void publicAddressesAndTheNeighboursOfBlocksAreAllowed() throws UnknownHostException {
        for (String address : List.of("8.8.8.8", "1.1.1.1", "9.255.255.255", "11.0.0.0", "100.63.255.255", "100.128.0.0",
                "172.15.255.255", "172.32.0.0", "192.0.1.0", "198.17.255.255", "198.20.0.0", "223.255.255.255",
                "2606:4700:4700::1111", "2a00:1450:4001:80b::200e", "2001:200::1", "2003::1", "64:ff9b:0:0:0:1::1")) {
            assertFalse(SpecialAddresses.contains(InetAddress.getByName(address)), address);
        }
    }

    @Test
    void theSpellingsOfLoopbackAreAllRefused() throws UnknownHostException {
        for (String address : List.of("127.0.0.1", "127.255.255.254", "::1", "::ffff:127.0.0.1", "::127.0.0.1", "0.0.0.0", "::")) {
            assertTrue(SpecialAddresses.contains(InetAddress.getByName(address)), address);
        }
        assertEquals(16, InetAddress.getByName("::127.0.0.1").getAddress().length, "an IPv4-compatible literal stays IPv6");
    }

    private static SpecialAddresses.Block block(String cidr) throws UnknownHostException {
        String[] parts = cidr.split("/");
        byte[] network = InetAddress.getByName(parts[0]).getAddress();
        if (parts[0].contains(":") && network.length == 4) {
            byte[] v6 = new byte[16];
            v6[10] = (byte) 0xff;
            v6[11] = (byte) 0xff;
            System.arraycopy(network, 0, v6, 12, 4);
            network = v6;
        }
        return new SpecialAddresses.Block(cidr, "", network, Integer.parseInt(parts[1]));
    }
}
