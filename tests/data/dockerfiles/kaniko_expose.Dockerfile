FROM debian:10.13
EXPOSE 80
EXPOSE 81/udp
ENV protocol tcp
EXPOSE 82/$protocol
ENV port 83
EXPOSE $port/udp
EXPOSE $port/$protocol
