using HTag;
using HTagKube.Demo;

HTagServer.Create(args)
    .Map<Counter>("/")
    .Map<Counter>("/counter")
    .Run();
