using HTag;
using HTagKube.Demo;

HTagServer.Create(args)
    .Map<Counter>("/")
    .Run();
