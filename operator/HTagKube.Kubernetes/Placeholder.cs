namespace HTagKube.Kubernetes; internal static class Placeholder { }
