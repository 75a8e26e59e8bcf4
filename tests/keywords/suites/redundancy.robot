*** Settings ***
Documentation       A redundancy group of two connections to one simulated RTU (issue 10, catalogue
...                 L18-L20): events set while neither connection is started arrive after STARTDT
...                 on the other connection, in order, none lost or duplicated.
Library             c104test.keywords.IEC104Library
Library             received.py
Suite Setup         Start The Redundant RTU
Suite Teardown      Stop The Redundant RTU


*** Variables ***
${CA}       47
${IOA}      300


*** Test Cases ***
Events Buffered While No Connection Is Started Reach The Connection That Starts
    Connect To RTU    127.0.0.1    ${PORT}    alias=a    common_address=${CA}    start_data_transfer=False
    Connect To RTU    127.0.0.1    ${PORT}    alias=b    common_address=${CA}    start_data_transfer=False
    FOR    ${n}    IN RANGE    1    21
        Set Simulated Point    ${IOA}    ${n}
    END
    Switch RTU Connection    b
    Start Data Transfer
    ${message} =    Expect Message    type=M_ME_NB_1    cot=SPONTANEOUS    io_address=${IOA}    timeout=5s
    Sleep    0.3s    reason=room for a duplicate, if the simulator sent one
    ${values} =    Received Spontaneous Values    ${IOA}    b
    ${expected} =    Evaluate    list(range(1, 21))
    Should Be Equal    ${values}    ${expected}
    ${on_a} =    Received Spontaneous Values    ${IOA}    a
    Should Be Empty    ${on_a}

Only The Started Connection Gets Data
    Set Simulated Point    ${IOA}    77
    Switch RTU Connection    b
    Expect Message    type=M_ME_NB_1    cot=SPONTANEOUS    io_address=${IOA}    timeout=5s
    Switch RTU Connection    a
    Expect No Message    type=M_ME_NB_1    io_address=${IOA}    within=0.5s

STARTDT On The Standby Connection Takes The Data Over
    Switch RTU Connection    a
    Start Data Transfer
    Set Simulated Point    ${IOA}    88
    ${message} =    Expect Message    type=M_ME_NB_1    cot=SPONTANEOUS    io_address=${IOA}    timeout=5s
    Should Be Equal As Integers    ${message.objects[0].value}    88
    Switch RTU Connection    b
    Expect No Message    type=M_ME_NB_1    io_address=${IOA}    within=0.5s


*** Keywords ***
Start The Redundant RTU
    ${port} =    Start Simulated RTU    redundancy_group_size=2    max_connections=2
    Set Suite Variable    ${PORT}    ${port}

Stop The Redundant RTU
    Close All RTU Connections
    Stop Simulated RTU
