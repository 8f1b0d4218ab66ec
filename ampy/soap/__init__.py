"""The Partner (SOAP) API wire format: ampy's own trimmed WSDL, a schema table derived from it,
and an lxml codec between the neutral ``ApiObject`` model and Partner API XML."""
