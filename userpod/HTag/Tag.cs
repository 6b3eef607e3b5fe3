namespace HTag; /// <summary>placeholder</summary>
public abstract class Tag { }
