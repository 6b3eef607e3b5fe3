namespace HTagKube.Router.Forwarding;

/// <summary>Outcome of one forwarding attempt (shaped like YARP's ForwarderError).</summary>
public enum ForwarderError
{
    /// <summary>Forwarded; the response was relayed.</summary>
    None,
    /// <summary>The upstream refused the connection: the route is dead. Nothing was written to the client.</summary>
    ConnectFailed,
    /// <summary>The upstream failed (502 written if the response had not started).</summary>
    UpstreamFailed,
    /// <summary>The upstream did not answer in time (504 written).</summary>
    UpstreamTimeout,
    /// <summary>The client went away; the upstream call was cancelled.</summary>
    ClientAborted,
    /// <summary>The request could not be mapped to an upstream URI (400 written).</summary>
    BadRequest,
}
