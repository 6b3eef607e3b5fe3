namespace HTag; /// <summary>placeholder</summary>
public static class HTagServer { }
