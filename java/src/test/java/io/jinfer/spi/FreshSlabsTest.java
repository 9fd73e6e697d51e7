package io.jinfer.spi;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import org.junit.Test;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

public class FreshSlabsTest {
    private static long directBuffersMade() {
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                return pool.getCount();
            }
        }
        throw new AssertionError("no 'direct' buffer pool bean");
    }

    private static void assertShape(ByteBuffer b, int bytes) {
        assertTrue(b.isDirect());
        assertEquals(ByteOrder.nativeOrder(), b.order());
        assertEquals(0, b.position());
        assertEquals(bytes, b.limit());
        assertEquals(bytes, b.capacity());
    }

    /** Fills each buffer with its own byte, then checks none was written by another's fill. */
    private static void assertApart(List<ByteBuffer> buffers) {
        for (int i = 0; i < buffers.size(); i++) {
            ByteBuffer b = buffers.get(i);
            for (int j = 0; j < b.capacity(); j++) {
                b.put(j, (byte) i);
            }
        }
        for (int i = 0; i < buffers.size(); i++) {
            ByteBuffer b = buffers.get(i);
            for (int j = 0; j < b.capacity(); j++) {
                assertEquals("buffer " + i + ", byte " + j, (byte) i, b.get(j));
            }
        }
    }

    @Test
    public void smallBuffersAreCutFromFewSlabs() {
        List<ByteBuffer> taken = new ArrayList<>();
        long before = directBuffersMade();
        for (int i = 0; i < 200; i++) {
            int bytes = 1 + (i * 37) % 300;
            ByteBuffer b = OutputBuffers.FRESH.take(bytes);
            assertShape(b, bytes);
            taken.add(b);
        }
        long made = directBuffersMade() - before;
        // 200 cuts of at most 320 aligned bytes fit in 1 or 2 slabs of 64 KiB; one allocation per
        // buffer would make 200
        assertTrue("direct buffers made: " + made, made <= 3);
        assertApart(taken);
    }

    @Test
    public void aLargeBufferIsAllocatedAlone() {
        int bytes = FreshSlabs.LARGEST_CUT + 1;
        long before = directBuffersMade();
        ByteBuffer b = OutputBuffers.FRESH.take(bytes);
        assertShape(b, bytes);
        assertEquals(1, directBuffersMade() - before);
    }

    @Test
    public void cutsFillSlabsWithoutOverlapAcrossSlabsAndThreads() throws Exception {
        List<ByteBuffer> taken = new ArrayList<>();
        Runnable take =
                () -> {
                    List<ByteBuffer> mine = new ArrayList<>();
                    for (int i = 0; i < 40; i++) { // about 10 slabs' worth: cuts near each edge
                        mine.add(OutputBuffers.FRESH.take(FreshSlabs.LARGEST_CUT - 3 * i));
                    }
                    synchronized (taken) {
                        taken.addAll(mine);
                    }
                };
        Thread other = new Thread(take);
        other.start();
        take.run();
        other.join();
        assertEquals(80, taken.size());
        assertApart(taken);
    }

    @Test
    public void anEmptyBufferIsFine() {
        assertShape(OutputBuffers.FRESH.take(0), 0);
    }
}
