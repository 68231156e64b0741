/**
 * fence4j sync files: explicit fence passing between modules.
 *
 * <p>The API lives in the package {@code org.fence4j.syncfile}: {@link
 * org.fence4j.syncfile.SyncFile} (a closeable handle on one fence), its snapshot records {@link
 * org.fence4j.syncfile.SyncFileInfo} and {@link org.fence4j.syncfile.SyncFenceInfo}, and {@link
 * org.fence4j.syncfile.SyncDebug} (a text dump of the live software timelines).
 */
module org.fence4j.syncfile {
  requires transitive org.fence4j.core;
  requires static transitive org.jspecify;

  exports org.fence4j.syncfile;
}
