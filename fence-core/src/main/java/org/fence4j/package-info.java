/**
 * fence4j core: one-shot completions with identity ("fences"), modeled on the Linux kernel's
 * dma-fence.
 *
 * <p>A producer publishes a {@link org.fence4j.Fence} for work it has started and signals it when
 * the work is done; consumers wait for it, poll it, or attach callbacks. Fences carry a context (a
 * timeline id) and a sequence number, so fences of one timeline are totally ordered and "the later
 * of two" is well defined. {@link org.fence4j.FenceContext} hands out ordered fences for a
 * producer, {@link org.fence4j.SoftwareTimeline} is a counter whose points signal as it advances,
 * {@link org.fence4j.FenceArray} waits for all (or any) of several fences, {@link
 * org.fence4j.FenceChain} builds a timeline out of fences, and {@link org.fence4j.Fences} holds the
 * helpers (merge, unwrap, wait-any, wait-all).
 *
 * <p>Unless a parameter says otherwise, every reference parameter must be non-null; a null fails at
 * the call with a {@link java.lang.NullPointerException} naming the parameter. Every timeout is
 * non-negative; zero means "poll".
 *
 * <p>Memory consistency: actions in a thread before it signals a fence happen-before actions in
 * another thread after it observes the fence signaled (by {@code isSignaled()}, {@code status()}, a
 * successful {@code await}, or in a callback).
 */
@NullMarked
package org.fence4j;

import org.jspecify.annotations.NullMarked;
