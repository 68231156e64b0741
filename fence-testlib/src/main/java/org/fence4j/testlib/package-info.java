/**
 * Test kit for fence driver authors: extend {@link org.fence4j.testlib.FenceContract} with one
 * factory method and every rule of the {@link org.fence4j.Fence} contract runs as a JUnit test
 * against your fence.
 */
@NullMarked
package org.fence4j.testlib;

import org.jspecify.annotations.NullMarked;
