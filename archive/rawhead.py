"""HTTP(S) download handler that keeps each response's head exactly as the server sent it.

Scrapy's ``Headers`` rebuild a response's header block: names recased (``ETag`` becomes
``Etag``), repeated headers grouped, order lost.  :class:`RawHeadDownloadHandler` is Scrapy's
HTTP/1.1 handler whose response parser also keeps the status line and header lines as
received: bytes, case, order, repeated and folded lines, CRLF or bare LF line ends, up to and
including the empty line.  An interim ``1xx`` response is not kept: it is not part of the
response that follows.  Each head goes out with the :data:`raw_head_received` signal
(``request``, ``head``) as soon as it is parsed, before the body arrives; the WARC capture
middleware listens.

Built on Scrapy 2.18+ internals (``_ScrapyAgent``, ``_LenientHTTP11ClientProtocol``): the
parser class is swapped the way Scrapy swaps in its lenient one.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.core.downloader.handlers.http11 import (
    HTTP11DownloadHandler,
    _LenientHTTP11ClientFactory,
    _LenientHTTP11ClientProtocol,
    _LenientHTTPClientParser,
    _ScrapyAgent,
)
from scrapy.exceptions import ResponseDataLossError
from scrapy.utils._download_handlers import get_dataloss_msg, wrap_twisted_exceptions
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.web._newclient import HEADER, STATUS

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.core.downloader.handlers.http11 import _ResultT
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.internet.defer import Deferred
    from twisted.internet.interfaces import IAddress
    from twisted.web._newclient import HTTP11ClientProtocol
    from twisted.web._newclient import Request as TxRequest
    from twisted.web.client import Response as TxResponse
    from twisted.web.iweb import IResponse

#: Signal sent with ``request`` and ``head`` (bytes) when a response's head has been parsed.
raw_head_received = object()

logger = logging.getLogger(__name__)


class _HeadKeepingParser(_LenientHTTPClientParser):
    """Scrapy's lenient response parser, keeping the head's lines as they came."""

    head_lines: list[bytes]
    head: bytes | None

    def lineReceived(self, line: bytes) -> None:
        if self.state in (STATUS, HEADER):
            # The line as received, but for the LF delimiter: a CR before it is still there.
            self.head_lines.append(line)
        super().lineReceived(line)

    def allHeadersReceived(self) -> None:
        lines, self.head_lines = self.head_lines, []
        if not 100 <= self.response.code < 200:
            self.head = b"\n".join(lines) + b"\n"
        super().allHeadersReceived()


class _HeadKeepingProtocol(_LenientHTTP11ClientProtocol):
    """Parses each response with :class:`_HeadKeepingParser`; the head goes on the response."""

    def request(self, request: TxRequest) -> Deferred[IResponse]:
        d = super().request(request)
        parser = self._parser
        assert isinstance(parser, _LenientHTTPClientParser)
        # A subclass of the lenient parser: swapped the way Scrapy swaps that one in.
        parser.__class__ = _HeadKeepingParser
        assert isinstance(parser, _HeadKeepingParser)
        parser.head_lines, parser.head = [], None

        def keep_head(response: IResponse) -> IResponse:
            response._kabarsip_head = parser.head
            return response

        d.addCallback(keep_head)
        return d


class _HeadKeepingFactory(_LenientHTTP11ClientFactory):
    def buildProtocol(self, addr: IAddress | None) -> HTTP11ClientProtocol:
        return _HeadKeepingProtocol(self._quiescentCallback)


class _HeadSignallingAgent(_ScrapyAgent):
    def _cb_bodyready(
        self, txresponse: TxResponse, request: Request
    ) -> _ResultT | Deferred[_ResultT]:
        head = getattr(txresponse, "_kabarsip_head", None)
        if head is not None:
            self._crawler.signals.send_catch_log(raw_head_received, request=request, head=head)
        return super()._cb_bodyready(txresponse, request)


class RawHeadDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler, sending :data:`raw_head_received` for every response.

    Meant for ``http`` and ``https`` in ``DOWNLOAD_HANDLERS``.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._pool._factory = _HeadKeepingFactory

    async def download_request(self, request: Request) -> Response:
        # HTTP11DownloadHandler.download_request with the agent above.
        spider = self._crawler.spider
        agent = _HeadSignallingAgent(
            contextFactory=self._contextFactory,
            bindAddress=self._bind_address,
            pool=self._pool,
            maxsize=getattr(spider, "download_maxsize", self._default_maxsize),
            warnsize=getattr(spider, "download_warnsize", self._default_warnsize),
            fail_on_dataloss=self._fail_on_dataloss,
            crawler=self._crawler,
            tls_verbose_logging=self._tls_verbose_logging,
        )
        try:
            with wrap_twisted_exceptions():
                return await maybe_deferred_to_future(agent.download_request(request))
        except ResponseDataLossError:
            if not self._fail_on_dataloss_warned:
                logger.warning(get_dataloss_msg(request.url))
                self._fail_on_dataloss_warned = True
            raise
