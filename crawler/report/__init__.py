"""The crawl report: figures from the state and the WARC files, drawn into one HTML file."""
