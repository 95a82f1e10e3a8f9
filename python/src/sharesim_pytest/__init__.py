"""sharesim-pytest: `sharesim serve` (mock JD Cloud, Tencent Cloud, Alibaba Cloud, Huawei
Cloud IMS and SWR APIs) as a pytest fixture.

Installing the package registers the plugin (`sharesim_pytest.plugin`) with pytest; tests then
ask for the `sharesim` fixture. `SharesimServer` and `find_binary` work without pytest.
"""

from .server import PROVIDERS, REGISTRY, SharesimError, SharesimServer, find_binary

__all__ = ["PROVIDERS", "REGISTRY", "SharesimError", "SharesimServer", "find_binary"]
__version__ = "0.1.0"
