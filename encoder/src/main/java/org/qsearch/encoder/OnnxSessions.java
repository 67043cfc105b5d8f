package org.qsearch.encoder;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One ONNX Runtime session per graph of the bundle, created once and shared by
 * all threads (OrtSession.run is thread-safe). CUDA when asked for and able to
 * start, CPU otherwise. Each session's inputs and outputs are checked against
 * the manifest, so a graph that does not match bundle.json fails at load.
 */
public final class OnnxSessions implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(OnnxSessions.class.getName());

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final Map<Graph, OrtSession> sessions = new EnumMap<>(Graph.class);
    private final Map<Graph, Map<String, Dtype>> inputTypes = new EnumMap<>(Graph.class);
    private final Map<Graph, Map<String, Dtype>> outputTypes = new EnumMap<>(Graph.class);
    private final String provider;

    public OnnxSessions(ModelBundle bundle, EncoderOptions options) {
        OrtTempFiles.remove();
        boolean cuda = options.cuda() && OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA);
        if (options.cuda() && !cuda) {
            LOG.log(System.Logger.Level.WARNING, "CUDA asked for but this ONNX Runtime build has no CUDA provider "
                    + "(build with -Pgpu); using CPU");
        }
        try {
            for (Graph g : Graph.values()) {
                GraphSpec spec = bundle.graphs().get(g.id);
                if (spec == null) {
                    continue;
                }
                OrtSession session;
                try {
                    session = open(bundle, spec, options, cuda);
                } catch (BundleException e) {
                    if (!cuda) {
                        throw e;
                    }
                    LOG.log(System.Logger.Level.WARNING, "CUDA cannot start ({0}); using CPU", e.getMessage());
                    cuda = false;
                    session = open(bundle, spec, options, false);
                }
                sessions.put(g, session);
                check(bundle, spec, session);
                inputTypes.put(g, types(spec.inputs()));
                outputTypes.put(g, types(spec.outputs()));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        this.provider = cuda ? "CUDA" : "CPU";
        List<String> absent = new ArrayList<>();
        for (Graph g : Graph.values()) {
            if (!sessions.containsKey(g)) {
                absent.add(g.id);
            }
        }
        LOG.log(System.Logger.Level.INFO, "bundle {0}: {1} graphs on {2}{3}", bundle.name(), sessions.size(), provider,
                absent.isEmpty() ? "" : "; absent: " + absent
                        + (bundle.hasItm() ? "" : " (ITM reranking unavailable)")
                        + (bundle.hasCaptions() ? "" : " (captions unavailable)"));
    }

    private static Map<String, Dtype> types(List<TensorSpec> tensors) {
        Map<String, Dtype> out = new HashMap<>();
        tensors.forEach(t -> out.put(t.name(), t.type()));
        return out;
    }

    private OrtSession open(ModelBundle bundle, GraphSpec spec, EncoderOptions options, boolean cuda) {
        String path = bundle.dir().resolve(spec.file()).toString();
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setIntraOpNumThreads(options.intraOpThreads());
            so.setInterOpNumThreads(1);
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            if (cuda) {
                so.addCUDA(options.cudaDevice());
            }
            return env.createSession(path, so);
        } catch (OrtException e) {
            throw new BundleException(path + ": ONNX Runtime cannot load the graph"
                    + (cuda ? " on CUDA" : "") + ": " + e.getMessage(), e);
        }
    }

    private static void check(ModelBundle bundle, GraphSpec spec, OrtSession session) {
        try {
            compare(bundle, spec, "input", session.getInputNames().stream().toList(), session.getInputInfo(),
                    spec.inputs());
            compare(bundle, spec, "output", session.getOutputNames().stream().toList(), session.getOutputInfo(),
                    spec.outputs());
        } catch (OrtException e) {
            throw new BundleException(spec.file() + ": cannot inspect the graph: " + e.getMessage(), e);
        }
    }

    private static void compare(ModelBundle bundle, GraphSpec spec, String side, List<String> names,
                                Map<String, NodeInfo> info, List<TensorSpec> declared) {
        List<String> expected = declared.stream().map(TensorSpec::name).toList();
        if (!names.equals(expected)) {
            throw new BundleException(bundle.dir().resolve(spec.file()) + ": the graph has " + side + "s " + names
                    + " but bundle.json declares " + expected);
        }
        for (TensorSpec t : declared) {
            if (!(info.get(t.name()).getInfo() instanceof TensorInfo ti)) {
                throw new BundleException(spec.file() + ": " + side + " " + t.name() + " is not a tensor");
            }
            if (t.type() == null || ti.type != t.type().ort) {
                throw new BundleException(bundle.dir().resolve(spec.file()) + ": " + side + " " + t.name()
                        + " has element type " + ti.type + " but bundle.json declares dtype \"" + t.dtype() + "\"");
            }
            long[] actual = ti.getShape();
            long[] want = t.dims();
            boolean same = actual.length == want.length;
            for (int i = 0; same && i < want.length; i++) {
                same = actual[i] < 0 || want[i] < 0 || actual[i] == want[i]; // symbolic dims match anything
            }
            if (!same) {
                throw new BundleException(bundle.dir().resolve(spec.file()) + ": " + side + " " + t.name()
                        + " has shape " + java.util.Arrays.toString(actual) + " but bundle.json declares "
                        + t.shape());
            }
        }
    }

    public boolean has(Graph g) {
        return sessions.containsKey(g);
    }

    OrtSession session(Graph g) {
        OrtSession s = sessions.get(g);
        if (s == null) {
            throw new UnsupportedOperationException("the bundle has no " + g.id + " graph");
        }
        return s;
    }

    /** The dtype of a graph's input or output as declared and checked against the session at load. */
    Dtype dtype(Graph g, String name, boolean input) {
        Dtype d = (input ? inputTypes : outputTypes).getOrDefault(g, Map.of()).get(name);
        if (d == null) {
            throw new IllegalArgumentException("graph " + g.id + " has no " + (input ? "input " : "output ") + name);
        }
        return d;
    }

    OrtEnvironment env() {
        return env;
    }

    /** "CUDA" or "CPU": where the graphs run. */
    public String provider() {
        return provider;
    }

    @Override
    public void close() {
        for (OrtSession s : sessions.values()) {
            try {
                s.close();
            } catch (OrtException e) {
                LOG.log(System.Logger.Level.WARNING, "closing a session: {0}", e.getMessage());
            }
        }
        sessions.clear();
    }
}
