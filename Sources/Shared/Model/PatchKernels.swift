/// The per-patch part of steps 3-4 of METHOD.md and its backward, fused row by row: each
/// patch row (d floats) is read once and every quantity that involves only it and the two
/// prompt vectors is computed while it sits in the cache. Unfused, the same work is eight
/// passes over [P, d] arrays, and it cost as much as the adapters' matrix products.
enum PatchKernels {
    /// Forward over the rows of z: [P, d] (the adapted tokens Zc + A1 W2).
    ///   zh = n(z); att = sm((zh . bt_c) * attentionScale); r = zh + sum_c att_c pw_c;
    ///   zt = n(r); M = sm((zt . p_c) / tau)[1]
    /// Returns zh (in z's storage), zt, the two norms per row, att [P, 2] and M [P].
    static func forward(z: Tensor, ctx: PatchBranch.Context)
        -> (zh: Tensor, zNorms: [Float], att: Tensor, zt: Tensor, rNorms: [Float], map: [Float]) {
        let n = z.shape[0], d = z.shape[1]
        var zh = z
        var zt = Tensor(zeros: [n, d])
        var att = Tensor(zeros: [n, 2])
        var zNorms = [Float](repeating: 0, count: n), rNorms = zNorms, map = zNorms
        let bt = ctx.bt.data, pw = ctx.pw.data, p = ctx.p.data
        for i in 0..<n {
            let row = i * d
            var s: Float = 0
            for j in 0..<d { s += zh.data[row + j] * zh.data[row + j] }
            let zn = max(s.squareRoot(), 1e-12)
            zNorms[i] = zn
            let inv = 1 / zn
            var l0: Float = 0, l1: Float = 0
            for j in 0..<d {
                let v = zh.data[row + j] * inv
                zh.data[row + j] = v
                l0 += v * bt[j]; l1 += v * bt[d + j]
            }
            // softmax over the two prompts
            let a1 = 1 / (1 + ((l0 - l1) * ctx.attentionScale).exponential), a0 = 1 - a1
            att.data[2 * i] = a0; att.data[2 * i + 1] = a1
            var r2: Float = 0
            for j in 0..<d {
                let v = zh.data[row + j] + a0 * pw[j] + a1 * pw[d + j]
                zt.data[row + j] = v
                r2 += v * v
            }
            let rn = max(r2.squareRoot(), 1e-12)
            rNorms[i] = rn
            let rinv = 1 / rn
            var s0: Float = 0, s1: Float = 0
            for j in 0..<d {
                let v = zt.data[row + j] * rinv
                zt.data[row + j] = v
                s0 += v * p[j]; s1 += v * p[d + j]
            }
            map[i] = 1 / (1 + ((s0 - s1) * ctx.invTau).exponential)
        }
        return (zh, zNorms, att, zt, rNorms, map)
    }

    /// Backward of `forward` given dM: [P]. Returns dz: [P, d] and adds the gradients of
    /// the context vectors (p, bt, pw: each [2, d]) to `dctx`.
    static func backward(dm: [Float], branch b: PatchBranch, ctx: PatchBranch.Context,
                         dctx: inout PatchBranch.ContextGradient) -> Tensor {
        let n = b.zh.shape[0], d = b.zh.shape[1]
        var dz = Tensor(zeros: [n, d])
        let bt = ctx.bt.data, pw = ctx.pw.data, p = ctx.p.data
        let zh = b.zh.data, zt = b.zt.data
        var dr = [Float](repeating: 0, count: d)
        for i in 0..<n {
            let row = i * d
            let m = b.map[i]
            let g = dm[i] * m * (1 - m) * ctx.invTau        // ds1 = g, ds0 = -g
            // dzt = g (p1 - p0); dp_c += ds_c zt
            var dot: Float = 0
            for j in 0..<d {
                let dzt = g * (p[d + j] - p[j])
                dr[j] = dzt
                dot += zt[row + j] * dzt
                dctx.dp.data[j] -= g * zt[row + j]
                dctx.dp.data[d + j] += g * zt[row + j]
            }
            // r = zh + att pw, zt = n(r)
            let rinv = 1 / b.rNorms[i]
            let a0 = b.att.data[2 * i], a1 = b.att.data[2 * i + 1]
            var da0: Float = 0, da1: Float = 0
            for j in 0..<d {
                let v = (dr[j] - zt[row + j] * dot) * rinv
                dr[j] = v
                da0 += v * pw[j]; da1 += v * pw[d + j]
                dctx.dpw.data[j] += a0 * v
                dctx.dpw.data[d + j] += a1 * v
            }
            // att = softmax(logits * scale): dlogit_c = a_c (da_c - sum a da) * scale
            let mean = a0 * da0 + a1 * da1
            let dl0 = a0 * (da0 - mean) * ctx.attentionScale, dl1 = a1 * (da1 - mean) * ctx.attentionScale
            var dot2: Float = 0
            for j in 0..<d {
                let v = dr[j] + dl0 * bt[j] + dl1 * bt[d + j]
                dr[j] = v
                dot2 += zh[row + j] * v
                dctx.dbt.data[j] += dl0 * zh[row + j]
                dctx.dbt.data[d + j] += dl1 * zh[row + j]
            }
            // zh = n(z)
            let zinv = 1 / b.zNorms[i]
            for j in 0..<d { dz.data[row + j] = (dr[j] - zh[row + j] * dot2) * zinv }
        }
        return dz
    }
}
