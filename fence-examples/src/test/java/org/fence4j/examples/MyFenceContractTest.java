package org.fence4j.examples;

import org.fence4j.FenceError;
import org.fence4j.examples.ReadmeSnippets.MyFence;
import org.fence4j.testlib.FenceContract;

// The README's "Testing your own fence driver" snippet, run: the fence contract kit applied to a
// driver's fence (ReadmeSnippetsTest checks that the README shows this region letter for letter).
// spotless:off
// README: testlib
class MyFenceContractTest extends FenceContract {
  @Override
  protected Subject newSubject() {
    MyFence fence = new MyFence();
    return subject(
        fence,
        fence::signal, // completes the fence
        () -> { // fails the fence, returns the error it must report
          fence.signal(FenceError.EIO);
          return FenceError.EIO;
        });
  }
}
// README end
// spotless:on
