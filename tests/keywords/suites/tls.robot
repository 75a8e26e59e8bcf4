*** Settings ***
Documentation     TLS (IEC 62351-3) from Robot: the simulated RTU and the connection with the same
...               tls_ arguments, mutual authentication, and clear errors for bad inputs.
...               The certificates come from the test (variables CA, OTHER_CA, SERVER_*, CLIENT_*).
Library           c104test.keywords.IEC104Library    timeout=5s

Test Teardown     Run Keywords    Close All RTU Connections    AND
...               Run Keyword And Ignore Error    Stop Simulated RTU


*** Test Cases ***
Station Interrogation And A Command Over Mutual TLS
    ${port}    Start Simulated RTU    tls_cert=${SERVER_CERT}    tls_key=${SERVER_KEY}    tls_ca=${CA}
    Connect To RTU    127.0.0.1    ${port}    common_address=47    tls_cert=${CLIENT_CERT}
    ...    tls_key=${CLIENT_KEY}    tls_ca=${CA}    tls_peer_certs=${SERVER_CERT}    tls_min_version=1.2
    ${result}    Send Interrogation
    Should Be True    $result.positive and $result.terminated
    Get Point Value    100    ==    ON
    Send Command    500    OFF    C_SC_NA_1

RTU Certificate From An Unknown CA Is Refused In Words
    ${port}    Start Simulated RTU    tls_cert=${SERVER_CERT}    tls_key=${SERVER_KEY}    tls_ca=${CA}
    Run Keyword And Expect Error    *the RTU at 127.0.0.1:${port}*unknown CA*
    ...    Connect To RTU    127.0.0.1    ${port}    tls_cert=${CLIENT_CERT}    tls_key=${CLIENT_KEY}
    ...    tls_ca=${OTHER_CA}

A Missing Certificate File Is Named Before Connecting
    Run Keyword And Expect Error    *tls_ca file*missing-ca.pem*does not exist*
    ...    Connect To RTU    127.0.0.1    1    tls_cert=${CLIENT_CERT}    tls_key=${CLIENT_KEY}
    ...    tls_ca=${TEMPDIR}/missing-ca.pem
