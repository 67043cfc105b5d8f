package org.qsearch.index;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.IOUtils;
import org.qsearch.encoder.ImageFeatures;

/**
 * The Lucene store's {@link CollectionIndexWriter}.
 *
 * <p>Changes become visible to {@link #index()} after {@link #refresh()} (near-real-time,
 * no commit needed) and durable after {@link #commit}. A commit first fsyncs the feature store,
 * then records the feature store's durable end in the Lucene commit, so a committed index never
 * points at feature bytes that a crash could lose; on reopen the feature store is cut back to
 * that end. Closing commits.
 */
public final class LuceneIndexWriter implements CollectionIndexWriter {
    /** Commit user data keys the writer reserves for itself. */
    static final String FEATURES_FILE_KEY = "qsearch.features.file";
    static final String FEATURES_END_KEY = "qsearch.features.end";
    static final long DEFAULT_MAX_FEATURE_FILE_BYTES = 1L << 30;

    private final IndexSettings settings;
    private final Directory directory;
    private final IndexWriter writer;
    private final FeatureStore features;
    private final SearcherManager searchers;
    private final LuceneIndex index;
    /** Adds hold it shared, commits exclusively: a commit must not take documents whose features it has not synced. */
    private final ReadWriteLock commitLock = new ReentrantReadWriteLock();
    private Map<String, String> committedUserData;
    private FeatureStore.Position committedFeatures;

    private LuceneIndexWriter(IndexSettings settings, Directory directory, IndexWriter writer, FeatureStore features,
                             Map<String, String> committedUserData, FeatureStore.Position committedFeatures)
            throws IOException {
        this.settings = settings;
        this.directory = directory;
        this.writer = writer;
        this.features = features;
        this.committedUserData = committedUserData;
        this.committedFeatures = committedFeatures;
        this.searchers = new SearcherManager(writer, true, false, null);
        this.index = new LuceneIndex(searchers, settings, features, null);
    }

    /** Opens an existing index with the settings it was created with. */
    public static LuceneIndexWriter open(Path dir) throws IOException {
        return open(dir, null, DEFAULT_MAX_FEATURE_FILE_BYTES);
    }

    /**
     * Creates an index with {@code settings}, or opens the existing one.
     *
     * @throws IndexSettingsConflictException if the index exists with other settings
     */
    public static LuceneIndexWriter open(Path dir, IndexSettings settings) throws IOException {
        return open(dir, settings, DEFAULT_MAX_FEATURE_FILE_BYTES);
    }

    static LuceneIndexWriter open(Path dir, IndexSettings requested, long maxFeatureFileBytes) throws IOException {
        return open(dir, requested, maxFeatureFileBytes, IndexWriterConfig.DEFAULT_RAM_BUFFER_SIZE_MB);
    }

    /** @param ramBufferMb Lucene's flush threshold: tests that compare graphs raise it to keep one segment */
    static LuceneIndexWriter open(Path dir, IndexSettings requested, long maxFeatureFileBytes, double ramBufferMb)
            throws IOException {
        IndexPaths paths = new IndexPaths(dir);
        IndexSettings settings = IndexSettingsFile.reconcile(paths.settings(), requested);
        Directory directory = FSDirectory.open(paths.lucene());
        IndexWriter writer = null;
        FeatureStore features = null;
        try {
            boolean exists = DirectoryReader.indexExists(directory);
            Map<String, String> userData = exists ? SegmentInfos.readLatestCommit(directory).getUserData() : Map.of();
            IndexWriterConfig config = new IndexWriterConfig()
                    .setCodec(new QsearchCodec(settings))
                    .setOpenMode(IndexWriterConfig.OpenMode.CREATE_OR_APPEND)
                    .setRAMBufferSizeMB(ramBufferMb)
                    .setCommitOnClose(false); // close() commits itself, after syncing the features
            writer = new IndexWriter(directory, config);
            FeatureStore.Position committedFeatures = userData.containsKey(FEATURES_FILE_KEY)
                    ? new FeatureStore.Position(Integer.parseInt(userData.get(FEATURES_FILE_KEY)),
                            Long.parseLong(userData.get(FEATURES_END_KEY)))
                    : FeatureStore.Position.START;
            if (settings.featureMode() == FeatureMode.STORED) {
                features = FeatureStore.openForWriting(paths.features(), committedFeatures, maxFeatureFileBytes);
            }
            Map<String, String> callerData = new HashMap<>(userData);
            callerData.remove(FEATURES_FILE_KEY);
            callerData.remove(FEATURES_END_KEY);
            LuceneIndexWriter opened = new LuceneIndexWriter(settings, directory, writer, features, Map.copyOf(callerData),
                    committedFeatures);
            if (!exists) {
                opened.commit(); // an empty first commit, so that read-only searchers can open the new index
            }
            return opened;
        } catch (IOException | RuntimeException e) {
            IOUtils.closeWhileHandlingException(writer, features, directory);
            throw e;
        }
    }

    @Override
    public IndexSettings settings() {
        return settings;
    }

    @Override
    public LuceneIndex index() {
        return index;
    }

    /** Adds an image, replacing the whole block of any image with the same id. */
    @Override
    public void putImage(ImageRecord image) throws IOException {
        settings.checkImage(image);
        ImageFeatures f = image.features();
        MetadataKeywords metadata = MetadataKeywords.parse(image.metadataJson());
        boolean[] inGraph = GraphMembership.of(f, settings);
        commitLock.readLock().lock();
        try {
            FeatureAddress address = features == null ? null
                    : features.append(f.imageTokens(), settings.tokens(), settings.visionWidth());
            writer.updateDocuments(IndexSchema.imageIdTerm(image.id()),
                    IndexSchema.imageBlock(image, inGraph, metadata, address));
        } finally {
            commitLock.readLock().unlock();
        }
    }

    /** Adds a text, replacing any text with the same id. */
    @Override
    public void putText(TextRecord text) throws IOException {
        settings.checkText(text);
        MetadataKeywords metadata = MetadataKeywords.parse(text.metadataJson());
        writer.updateDocument(IndexSchema.textIdTerm(text.id()), IndexSchema.textDocument(text, metadata));
    }

    /** Deletes an image (parent and children: they share the id term). Its feature record stays as unreferenced bytes. */
    @Override
    public void deleteImage(String id) throws IOException {
        writer.deleteDocuments(IndexSchema.imageIdTerm(id));
    }

    @Override
    public void deleteText(String id) throws IOException {
        writer.deleteDocuments(IndexSchema.textIdTerm(id));
    }

    @Override
    public void refresh() throws IOException {
        searchers.maybeRefreshBlocking();
    }

    /**
     * Makes all changes durable, recording {@code userData} (for instance a bulk indexer's
     * progress) in the commit; keys from earlier commits are kept unless overwritten.
     */
    @Override
    public void commit(Map<String, String> userData) throws IOException {
        if (userData.containsKey(FEATURES_FILE_KEY) || userData.containsKey(FEATURES_END_KEY)) {
            throw new IllegalArgumentException("commit user data keys starting with qsearch.features are reserved");
        }
        commitLock.writeLock().lock();
        try {
            FeatureStore.Position durable = features == null ? FeatureStore.Position.START : features.sync();
            Map<String, String> callerData = new HashMap<>(committedUserData);
            callerData.putAll(userData);
            Map<String, String> commitData = new HashMap<>(callerData);
            commitData.put(FEATURES_FILE_KEY, Integer.toString(durable.file()));
            commitData.put(FEATURES_END_KEY, Long.toString(durable.end()));
            writer.setLiveCommitData(commitData.entrySet());
            writer.commit();
            committedUserData = Map.copyOf(callerData);
            committedFeatures = durable;
        } finally {
            commitLock.writeLock().unlock();
        }
    }

    /**
     * Merges the index down to at most {@code maxSegments} segments, then commits. A search walks
     * one HNSW graph per segment, so a bulk-built index that will be searched a lot answers faster
     * merged; the merge itself rebuilds graphs and takes a while.
     */
    @Override
    public void forceMerge(int maxSegments) throws IOException {
        writer.forceMerge(maxSegments);
        commit();
    }

    /** The caller's user data of the last commit (what a resumed bulk indexer reads back). */
    @Override
    public Map<String, String> committedUserData() {
        return committedUserData;
    }

    /** Discards every change since the last commit, feature records included, and closes the writer. */
    @Override
    public void rollback() throws IOException {
        commitLock.writeLock().lock();
        try {
            searchers.close();
            writer.rollback();
            if (features != null) {
                features.restore(committedFeatures);
            }
        } finally {
            commitLock.writeLock().unlock();
            IOUtils.close(features, directory);
        }
    }

    /** Commits, then closes. */
    @Override
    public void close() throws IOException {
        try {
            commit();
        } finally {
            IOUtils.close(searchers, writer, features, directory);
        }
    }
}
