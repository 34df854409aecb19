namespace Provider.Planning.Inputs;

public enum SchemaKind
{
    Provider,
    Node,
    Hostenv,
}
