using HTagKube.Api.V1Alpha1;
using HTagKube.Kubernetes.Runtime;

namespace HTagKube.Operator.Sessions;

/// <summary>HTagSessions for the controller runtime (list, watch, patch through the client's custom-object API).</summary>
public static class SessionKind
{
    /// <summary>The HTagSession kind.</summary>
    public static readonly KubeKind<HTagSession> HTagSessions = new()
    {
        ApiVersion = HTagSession.ApiVersionName, Kind = HTagSession.KindName,
        List = async (k, ns, sel, cont, ct) =>
        {
            var list = await k.ListSessionsAsync(ns, sel, ct, cont, KubeKinds.PageSize);
            return KubeKinds.Page(list, list.Items);
        },
        Watch = (k, ns, sel, rv, timeout, onError, ct) => k.WatchSessionsAsync(ns, sel, rv, timeout, onError, ct),
        Patch = (k, p, ns, name, ct) => k.PatchSessionAsync(p, ns, name, ct),
    };
}
