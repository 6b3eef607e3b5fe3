using Xunit.Abstractions;
using Xunit.Sdk;

namespace HTagKube.Operator.Tests.Infrastructure;

/// <summary>Runs a class's tests in source order (scenario steps that share one fixture).</summary>
public sealed class DeclarationOrderer : ITestCaseOrderer
{
    public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases) where TTestCase : ITestCase =>
        testCases.OrderBy(t => t.TestMethod.Method.ToRuntimeMethod().MetadataToken);
}
