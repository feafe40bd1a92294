using Recur.Kernels.Rnn;

namespace Recur.Kernels.Tests.Rnn;

public sealed class RnnAllocationTests
{
    [Theory]
    [InlineData("")]
    [InlineData("5,2,0")]
    public void FusedKernels_SteadyState_AllocateNothing(string lengthSpec)
    {
        int[] lengths = RnnTest.Lengths(lengthSpec);
        const int T = 5, B = 3, I = 4, H = 8;
        var x = Data.Uniform<float>(T * B * I, 1);
        var y = new float[T * B * H];
        var hf = new float[B * H];
        var dx = new float[x.Length];

        var lc = new LstmConfig(T, B, I, H) { UsePeepholes = true, CellClip = 0.5 };
        var lk = Data.Uniform<float>((I + H) * 4 * H, 2);
        var lb = new float[4 * H];
        var peep = new float[H];
        var lws = new float[LstmKernel.WorkspaceSize(lc, true)];
        var dlk = new float[lk.Length];
        var dlb = new float[lb.Length];
        var dp = new float[3 * H];
        void Lstm()
        {
            var w = new LstmWeights<float> { Kernel = lk, Bias = lb, PeepholeInput = peep, PeepholeForget = peep, PeepholeOutput = peep };
            LstmKernel.Forward(lc, w, x, lengths, default, default, y, default, hf, lws, true);
            LstmKernel.Backward(lc, w, x, lengths, y, default, default, lws, dx, default, default,
                new LstmGradients<float> { Kernel = dlk, Bias = dlb, PeepholeInput = dp.AsSpan(0, H), PeepholeForget = dp.AsSpan(H, H), PeepholeOutput = dp.AsSpan(2 * H, H) });
        }

        var gc = new GruConfig(T, B, I, H) { ResetAfter = false };
        var gk = Data.Uniform<float>((I + H) * 2 * H, 3);
        var ck = Data.Uniform<float>((I + H) * H, 4);
        var g2 = new float[2 * H];
        var g1 = new float[H];
        var gws = new float[GruKernel.WorkspaceSize(gc, true)];
        var dgk = new float[gk.Length];
        var dck = new float[ck.Length];
        void Gru()
        {
            var w = new GruWeights<float> { GateKernel = gk, GateBias = g2, CandidateInputKernel = ck.AsSpan(0, I * H), CandidateHiddenKernel = ck.AsSpan(I * H), CandidateBias = g1 };
            GruKernel.Forward(gc, w, x, lengths, default, y, hf, gws, true);
            GruKernel.Backward(gc, w, x, lengths, y, default, gws, dx, default,
                new GruGradients<float> { GateKernel = dgk, GateBias = g2, CandidateInputKernel = dck.AsSpan(0, I * H), CandidateHiddenKernel = dck.AsSpan(I * H), CandidateBias = g1 });
        }

        var rc = new SimpleRnnConfig(T, B, I, H);
        var rk = Data.Uniform<float>((I + H) * H, 5);
        var rws = new float[SimpleRnnKernel.WorkspaceSize(rc, true)];
        var drk = new float[rk.Length];
        void Rnn()
        {
            SimpleRnnKernel.Forward(rc, rk, g1, x, lengths, default, y, hf, rws, true);
            SimpleRnnKernel.Backward(rc, rk, x, lengths, y, default, rws, dx, default, drk, g1);
        }

        foreach (Action run in new Action[] { Lstm, Gru, Rnn })
        {
            run();
            run();

            // One call out of up to five that allocates nothing: a per-call allocation shows in every call, the
            // runtime's one-off work on this thread (tiered-JIT call counting) in one at most.
            long least = long.MaxValue;
            for (int attempt = 0; attempt < 5 && least != 0; attempt++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                run();
                least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
            }

            Assert.Equal(0, least);
        }
    }
}
