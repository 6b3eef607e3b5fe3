namespace HTagKube.Operator.Tests.Infrastructure;

/// <summary>A client handler that makes every request fail like a network partition would, while <see cref="Cut"/> is set.</summary>
public sealed class Partition : DelegatingHandler
{
    public volatile bool Cut;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct) =>
        Cut ? Task.FromException<HttpResponseMessage>(new HttpRequestException("partitioned (test)")) : base.SendAsync(request, ct);
}
