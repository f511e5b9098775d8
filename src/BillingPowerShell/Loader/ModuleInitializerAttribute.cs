// netstandard2.0 has no ModuleInitializerAttribute; the C# compiler recognises the attribute by its full name, so an
// internal definition is enough for it to emit a module initializer (supported by .NET Framework and .NET alike).
namespace System.Runtime.CompilerServices
{
    [AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
    internal sealed class ModuleInitializerAttribute : Attribute
    {
    }
}
