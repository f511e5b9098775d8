using BillingPowerShell.Commands;
using BillingPowerShell.Engine.Auth;
using BillingPowerShell.Engine.Billing;

namespace BillingPowerShell
{
    /// <summary>
    /// The process-wide connection that Connect-BillingAccount sets. Cmdlets used before connecting get the default
    /// credential chain against the public cloud, as Az and the Azure CLI do.
    /// </summary>
    internal static class BillingSession
    {
        private static readonly object Gate = new object();
        private static BillingClient? _current;

        public static bool IsConnected { get; private set; }

        public static BillingClient Current
        {
            get
            {
                lock (Gate)
                    return _current ??= BillingClient.Create(new ConnectOptions());
            }
        }

        // Tab completion offers the names the previous identity listed: they go with it.
        public static void Set(BillingClient client)
        {
            lock (Gate) { _current = client; IsConnected = true; }
            BillingNameCompleter.Forget();
        }

        public static void Clear()
        {
            lock (Gate) { _current = null; IsConnected = false; }
            BillingNameCompleter.Forget();
        }
    }
}
